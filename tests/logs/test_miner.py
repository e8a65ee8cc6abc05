"""The miner groups variants of one event, separates different events, streams with stable ids.

Each failure mode of the Loghub-2k systems has one small case of its own here (lines written
for the test, in the shape of the real ones), so the suite never needs the dataset.
"""

from __future__ import annotations

import json
import random

import pytest

from agent.logs.bench import sample_lines
from agent.logs.miner import MIN_VARIANTS, Template, TemplateMiner, mine


def _groups(lines: list[str]) -> list[int]:
    return mine(lines).assignments


def test_groups_variants_and_separates_events() -> None:
    lines = [
        "connected to 10.0.0.1 in 5ms",
        "disk /dev/sda1 is full",
        "connected to 10.0.0.2 in 17ms",
        "payment 991 failed: card declined",
        "payment 992 failed: card declined",
        "payment 993 failed: insufficient funds",
    ]
    result = mine(lines)
    a = result.assignments
    assert a[0] == a[2] and a[3] == a[4]
    assert len({a[0], a[1], a[3], a[5]}) == 4
    by_id = {t.id: t for t in result.templates}
    assert by_id[a[0]] == Template(a[0], "connected to <IP> in <DUR>", 2)
    assert by_id[a[3]].template == "payment <NUM> failed: card declined"
    assert by_id[a[1]].template == "disk /dev/sda1 is full"  # one line: nothing varied yet
    assert sum(t.count for t in result.templates) == len(lines)


def test_proxy_host_port_and_byte_counts_are_one_event() -> None:
    # Proxifier: host:port, byte counts with an optional "(1.16 KB)", lifetimes "<1 sec"/"00:02".
    a = _groups(
        [
            "www.example.com:443 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02",
            "wpad:80 close, 0 bytes sent, 0 bytes received, lifetime <1 sec",
            "cdn.example.org:443 close, 403 bytes sent, 2 bytes (2.01 MB) received, lifetime 01:02:03",
            "github.com:443 open through proxy proxy.example.edu:5070 HTTPS",
            "img.example.cn:80 open through proxy proxy.example.edu:5070 HTTPS",
            "github.com:443 open through proxy proxy.example.edu:5070 SOCKS5",
        ]
    )
    assert a[0] == a[1] == a[2]
    assert a[3] == a[4] != a[5] != a[0]


def test_request_lines_split_by_method_not_by_url() -> None:
    # OpenStack: quoted request lines with ids and query strings; the method tells events apart.
    def request(method: str, path: str, status: int) -> str:
        return f'10.11.10.1 "{method} {path} HTTP/1.1" status: {status} len: 1893 time: 0.2675'

    a = _groups(
        [
            request("GET", "/v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail", 200),
            request("POST", "/v2/54fadb412c4e40cdbaed9335e4c35a9e/os-server-external-events", 200),
            request(
                "GET",
                "/v2/e9746973ac574c6b8a9e8857f56a7608/servers/detail?all_tenants=True&changes-since=2017-05-16T09:30:00Z",
                200,
            ),
            request(
                "DELETE",
                "/v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/3edec1e4-9678-4a3a-a21b-a145a4ee5e61",
                204,
            ),
            request("GET", "/v2/54fadb412c4e40cdbaed9335e4c35a9e/flavors", 404),
        ]
    )
    assert a[0] == a[2] == a[4]
    assert len({a[0], a[1], a[3]}) == 3


def test_few_valued_words_stay_template_text() -> None:
    # A state or an action written out in code (VM Started/Paused/Resumed) is not a parameter.
    uuid = "b9000564-fe1a-409b-b8cc-1e88b294cd1d"
    states = ["Started", "Paused", "Resumed", "Stopped"]
    lines = [f"[instance: {uuid}] VM {s} (Lifecycle Event)" for s in states * 3]
    a = _groups(lines)
    assert len(set(a)) == len(states) < MIN_VARIANTS


def test_many_valued_word_becomes_a_parameter_and_older_id_survives() -> None:
    users = ["cyrus", "news", "test", "root", "alice", "bob"]
    miner = TemplateMiner()
    first = [miner.add(f"session opened for user {u} by (uid=0)") for u in users[:4]]
    assert len(set(first)) == 4  # four words: still possibly four events
    merged = miner.add(f"session opened for user {users[4]} by (uid=0)")
    assert merged == first[0]
    assert {miner.resolve(i) for i in first} == {first[0]}
    assert miner.add(f"session opened for user {users[5]} by (uid=500)") == first[0]
    assert [t.template for t in miner.templates()] == ["session opened for user <*> by (uid=<NUM>)"]
    assert miner.templates()[0].count == 6


def test_word_where_parameters_occur_is_a_parameter() -> None:
    # rhost= holds IPs and dotted names; one plain host name there is a value, not a new event.
    lines = [
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4",
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=zummit.com",
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=61.53.154.93",
    ]
    a = _groups(lines)
    assert a[0] == a[1] == a[2]


def test_templates_differing_only_where_either_has_a_parameter_merge() -> None:
    # Two positions differ at once, each holding a parameter on one side (Android wake locks).
    def lock(name: str, ws: str) -> str:
        return f'acquire lock=1, flags=0x1, tag="View Lock", name={name}, ws={ws}, uid=1000'

    a = _groups(
        [
            lock("com.android.systemui", "null"),
            lock("android", "WorkSource{10113}"),
            lock("android", "null"),
            lock("audioserver", "null"),
        ]
    )
    assert a[0] == a[1] == a[2] == a[3]
    # ...but a word that differs on both sides keeps two events apart
    b = _groups(
        ["[instance: 1] Took 2.1 seconds to spawn", "[instance: 2] Took 1.3 seconds to destroy"]
    )
    assert b[0] != b[1]


def test_two_varying_words_merge_once_each_has_varied() -> None:
    # user and host both vary; each column reaches five words for some value of the other
    users = ["ann", "bob", "cid", "dan", "eve"]
    hosts = ["alpha", "beta", "gamma", "delta", "omega"]
    result = mine([f"user {u} logged in from {h}" for h in hosts for u in users])
    assert [t.template for t in result.templates] == ["user <*> logged in from <*>"]
    assert set(result.assignments) == {1}


def test_one_word_messages_are_their_own_templates() -> None:
    words = ["closeQs", "instantCollapse", "cancelAutohide", "suspendAutohide", "handleTimeUpdate"]
    words.append("onExpandingStarted")
    a = _groups(words * 2)
    assert len(set(a)) == len(words)


def test_long_paths_hex_and_hash_tokens_do_not_split() -> None:
    a = _groups(
        [
            "Deleting block blk_-1608999687919862906 file /mnt/hadoop/dfs/data/current/subdir32/blk_-1608999687919862906",
            "Deleting block blk_7503483334202473044 file /mnt/hadoop/dfs/data/current/blk_7503483334202473044",
            "Loaded image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 from /var/lib/images",
            "Loaded image sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 from /srv",
            "flushed 0x7f3a2c001000 in bucket deadbeefcafe",
            "flushed 0x55d0c3a6b2e0 in bucket 0123abcd4567",
        ]
    )
    assert a[0] == a[1] and a[2] == a[3] and a[4] == a[5]
    assert len({a[0], a[2], a[4]}) == 3


def test_variable_length_lists_and_empty_values() -> None:
    a = _groups(
        [
            "replicas [1, 2, 3] acknowledged",
            "replicas [7] acknowledged",
            "connection from 10.0.0.1 () at Fri Jun 17 07:07:00 2005",
            "connection from 10.0.0.2 (host-2.example.net) at Sun Jul 10 03:55:15 2005",
        ]
    )
    assert a[0] == a[1] and a[2] == a[3] != a[0]


def test_display_widens_where_raw_values_differ() -> None:
    # Lines that differ only in digit values share a cached shape; the display must still
    # notice which raw values varied, and keep the ones that did not.
    result = mine(["disk full on /dev/sda1 (7 tries)", "disk full on /dev/sda2 (8 tries)"])
    assert [t.template for t in result.templates] == ["disk full on <*> (<NUM> tries)"]
    same = mine(["disk full on /dev/sda1 (7 tries)", "disk full on /dev/sda1 (8 tries)"])
    assert [t.template for t in same.templates] == ["disk full on /dev/sda1 (<NUM> tries)"]
    swapped = mine(["copy /dev/sda1 to /dev/sda2", "copy /dev/sda2 to /dev/sda1"])
    assert [t.template for t in swapped.templates] == ["copy <*> to <*>"]


def test_ids_are_first_appearance_order_and_deterministic() -> None:
    lines = sample_lines(600, seed=7)
    first, second = mine(lines), mine(lines)
    assert first == second
    ids = [t.id for t in first.templates]
    assert ids == sorted(ids) and ids[0] == 1
    seen: list[int] = []
    for tid in first.assignments:
        if tid not in seen:
            seen.append(tid)
    assert seen == sorted(seen)
    assert set(first.assignments) == set(ids)


def test_final_grouping_does_not_depend_on_arrival_order() -> None:
    users = ["cyrus", "news", "test", "root", "alice", "bob", "carol"]
    lines = sample_lines(300, seed=5)
    lines += [f"session opened for user {u} by (uid={i})" for i, u in enumerate(users)]
    lines += [f"VM {s} (Lifecycle Event)" for s in ("Started", "Paused", "Resumed")]

    def partition(order: list[int]) -> set[frozenset[int]]:
        ids = mine([lines[i] for i in order]).assignments
        groups: dict[int, set[int]] = {}
        for line_index, tid in zip(order, ids, strict=True):
            groups.setdefault(tid, set()).add(line_index)
        return {frozenset(g) for g in groups.values()}

    forward = list(range(len(lines)))
    shuffled = forward[:]
    random.Random(11).shuffle(shuffled)
    assert partition(forward) == partition(shuffled) == partition(forward[::-1])


def test_realistic_mix_collapses_to_few_templates() -> None:
    result = mine(sample_lines(2000, seed=3))
    # Six event kinds: variables (ids, IPs, pod names, users, paths) must not split them.
    assert len(result.templates) == 6, [t.template for t in result.templates]


def test_structured_lines_group_on_message_whatever_the_keys() -> None:
    lines = [
        json.dumps({"level": "error", "msg": "payment 41 failed", "order": 1, "trace_id": "ab"}),
        json.dumps({"order": 2, "msg": "payment 42 failed", "level": "warn"}),
        'ts=2024-05-01T10:00:00Z level=info msg="payment 43 failed" order=3',
        json.dumps({"ts": 1, "code": 500}),
        json.dumps({"code": 404, "ts": 2}),
        json.dumps(
            {"msg": "upstream failed", "error": "dial tcp 10.0.0.1:5432: connection refused"}
        ),
        json.dumps(
            {"error": "dial tcp 10.0.0.2:5432: connection refused", "msg": "upstream failed"}
        ),
        json.dumps({"msg": "upstream failed", "error": "context deadline exceeded"}),
    ]
    result = mine(lines)
    a = result.assignments
    assert a[0] == a[1] == a[2] and a[3] == a[4] != a[0]
    assert a[5] == a[6] != a[7]  # two different errors are two templates
    by_id = {t.id: t for t in result.templates}
    assert by_id[a[0]].template == "payment <NUM> failed"
    assert by_id[a[0]].labels == ("level", "order", "trace_id", "ts")
    assert by_id[a[3]].template == "code=<*> ts=<*>"


def test_empty_lines_share_a_template() -> None:
    result = mine(["", "a b", ""])
    assert result.assignments[0] == result.assignments[2] != result.assignments[1]


def test_rejects_bad_settings_and_unknown_ids() -> None:
    with pytest.raises(ValueError, match="min_variants"):
        TemplateMiner(min_variants=1)
    with pytest.raises(KeyError):
        TemplateMiner().resolve(1)
