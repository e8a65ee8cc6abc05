"""The template miner groups variants of one event, separates different events, is deterministic."""

from __future__ import annotations

import json

import pytest

from agent.logs.bench import sample_lines
from agent.logs.masking import mask, text_of
from agent.logs.miner import Template, TemplateMiner, mine


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at 2024-01-15T10:00:00.123Z and 10:00:01", "at <TS> and <TS>"),
        ("id 123e4567-e89b-12d3-a456-426614174000", "id <UUID>"),
        ("from 10.0.0.1:8080 to 192.168.1.2", "from <IP> to <IP>"),
        ("pod payments-7d9f8b6c5d-x2k4p ready", "pod payments-<*> ready"),
        ("commit deadbeef12 addr 0x7ffe", "commit <HEX> addr <HEX>"),
        ("took 250ms then 1m30s", "took <DUR> then <DUR>"),
        ("retry 3/5 used 512Mi 42%", "retry <NUM>/<NUM> used <NUM> <NUM>"),
        ('open "/tmp/a b" failed', "open <STR> failed"),
        (
            'msg="GET /users/7" request_id=ab12 user=bob',
            'msg="GET /users/<NUM>" request_id=<*> user=<*>',
        ),
        ("http2 ipv4 v1 stay", "http2 ipv4 v1 stay"),
    ],
)
def test_masks(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_groups_variants_and_separates_events() -> None:
    lines = [
        "connected to 10.0.0.1 in 5ms",
        "user bob logged in from 10.0.0.9",
        "connected to 10.0.0.2 in 17ms",
        "user alice logged in from 10.0.0.7",
        "disk /dev/sda1 is full",
        "payment 991 failed: card declined",
        "payment 992 failed: insufficient funds",
        "user carol logged out",
    ]
    result = mine(lines)
    a = result.assignments
    assert a[0] == a[2] and a[1] == a[3] and a[5] == a[6]
    assert len({a[0], a[1], a[4], a[5], a[7]}) == 5
    by_id = {t.id: t for t in result.templates}
    assert by_id[a[0]] == Template(a[0], "connected to <IP> in <DUR>", 2)
    assert by_id[a[1]].template == "user <*> logged in from <IP>"
    assert by_id[a[5]].template == "payment <NUM> failed: <*> <*>"
    assert sum(t.count for t in result.templates) == len(lines)


def test_ids_are_first_appearance_order_and_deterministic() -> None:
    lines = sample_lines(600, seed=7)
    first, second = mine(lines), mine(lines)
    assert first == second
    assert [t.id for t in first.templates] == list(range(1, len(first.templates) + 1))
    seen: list[int] = []
    for tid in first.assignments:
        if tid not in seen:
            seen.append(tid)
    assert seen == sorted(seen)


def test_realistic_mix_collapses_to_few_templates() -> None:
    result = mine(sample_lines(2000, seed=3))
    # The generator emits six event kinds (one at two levels): variables must not split them.
    assert 6 <= len(result.templates) <= 9, [t.template for t in result.templates]


def test_json_lines_use_level_and_message() -> None:
    lines = [
        json.dumps({"level": "ERROR", "msg": "payment failed", "order": 1, "trace_id": "ab"}),
        json.dumps({"level": "error", "msg": "payment failed", "order": 2}),
        json.dumps({"level": "info", "message": "payment ok", "order": 3}),
        json.dumps({"ts": 1, "code": 500}),
        json.dumps({"code": 404, "ts": 2}),
    ]
    result = mine(lines)
    a = result.assignments
    assert a[0] == a[1] and a[3] == a[4] and len({a[0], a[2], a[3]}) == 3
    templates = {t.id: t.template for t in result.templates}
    assert templates[a[0]] == "error payment failed"
    assert templates[a[3]] == "code=<*> ts=<*>"
    assert text_of('{"level":"warn","msg":"dial failed","error":"refused"}') == (
        "warn dial failed error=refused"
    )
    assert text_of("{not json}") == "{not json}"


def test_empty_lines_share_a_template() -> None:
    result = mine(["", "a b", ""])
    assert result.assignments[0] == result.assignments[2] != result.assignments[1]


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="depth"):
        TemplateMiner(depth=2)
    with pytest.raises(ValueError, match="sim_threshold"):
        TemplateMiner(sim_threshold=1.5)


def test_max_children_overflow_still_groups() -> None:
    miner = TemplateMiner(depth=5, max_children=2)
    ids = [miner.add(f"{w} started worker") for w in ("alpha", "beta", "gamma", "delta")]
    assert ids[:2] == [1, 2] and ids[2] == ids[3]
