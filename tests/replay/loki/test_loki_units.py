"""Table tests for the small pieces: extractors, parameter parsing, value formatting."""

from __future__ import annotations

import pytest

from agent.replay.loki.errors import LogQLParseError, QueryError
from agent.replay.loki.extract import (
    json_extractor,
    logfmt_extractor,
    pattern_extractor,
    regexp_extractor,
    sanitize_label_name,
)
from agent.replay.loki.params import parse_limit, parse_time, step_times, time_range
from agent.replay.loki.responses import format_time, format_value
from agent.replay.loki.units import parse_bytes, parse_duration_ns

S = 1_000_000_000


@pytest.mark.parametrize(
    ("key", "sanitized"),
    [("a.b-c", "a_b_c"), ("1st", "_1st"), (" x ", "x"), ("ok_9", "ok_9"), ("é", "_")],
)
def test_sanitize_label_name(key: str, sanitized: str) -> None:
    assert sanitize_label_name(key) == sanitized


def test_json_flattens_nested_keys_and_skips_arrays() -> None:
    line = '{"a":{"b.c":{"d":1.50}},"arr":[1,2],"t":true,"n":null,"s":"x\\ty","9":"z"}'
    pairs, error = json_extractor(())(line)
    assert error is None
    assert dict(pairs) == {"a_b_c_d": "1.50", "t": "true", "n": "", "s": "x\ty", "_9": "z"}


@pytest.mark.parametrize("line", ["not json", "[1,2]", '{"a":1', '{"a": NaN}'])
def test_json_reports_an_error_for_non_objects(line: str) -> None:
    pairs, error = json_extractor(())(line)
    assert pairs == [] and error


def test_json_paths() -> None:
    extract = json_extractor((("m", "req.method"), ("first", "items[0]"), ("q", '["a b"]'),
                              ("obj", "req"), ("missing", "nope.x")))  # fmt: skip
    pairs, _ = extract('{"req":{"method":"GET"},"items":["i0","i1"],"a b":"sp"}')
    assert dict(pairs) == {"m": "GET", "first": "i0", "q": "sp", "obj": '{"method":"GET"}',
                           "missing": ""}  # fmt: skip
    with pytest.raises(LogQLParseError, match="invalid json expression"):
        json_extractor((("x", "a..[b"),))


LOGFMT_CASES = [
    ('a=1 b="two words" c= d', False, False, {"a": "1", "b": "two words"}, None),
    ('a=1 b="two words" c= d', False, True, {"a": "1", "b": "two words", "c": "", "d": ""}, None),
    ('a=1 =bad b="esc\\"q" x.y=2', False, False, {"a": "1", "b": 'esc"q', "x_y": "2"}, None),
    ("a=1 =bad b=2", True, False, {"a": "1"}, "unexpected '='"),
    ('a=1 b="open', True, False, {"a": "1"}, "unterminated quote"),
    ('a=x"y b=2', True, False, {}, "unexpected '\"'"),
    ("hello world", False, False, {}, None),
]


@pytest.mark.parametrize(("line", "strict", "keep_empty", "labels", "error"), LOGFMT_CASES)
def test_logfmt(
    line: str, strict: bool, keep_empty: bool, labels: dict[str, str], error: str | None
) -> None:
    pairs, found_error = logfmt_extractor(strict, keep_empty)(line)
    assert dict(pairs) == labels
    if error is None:
        assert found_error is None
    else:
        assert found_error is not None and error in found_error


PATTERN_CASES = [
    ("<ip> - <user>", "1.2.3.4 - bob", {"ip": "1.2.3.4", "user": "bob"}),
    ("<_> <method> <path>", "x GET /a b", {"method": "GET", "path": "/a b"}),
    ("ts=<ts> lvl=<lvl>", "ts=1 lvl=info", {"ts": "1", "lvl": "info"}),
    ("ts=<ts> lvl=<lvl>", "xx ts=1 lvl=info", {}),  # a leading literal must start the line
    ("<a> | <b> ;", "1 | 2", {"a": "1", "b": "2"}),  # missing literal: capture takes the rest
    ("<a> <b:x>", "1 <b:x>", {"a": "1"}),  # "<b:x>" is not a capture, so it is a literal
]


@pytest.mark.parametrize(("pattern", "line", "labels"), PATTERN_CASES)
def test_pattern(pattern: str, line: str, labels: dict[str, str]) -> None:
    pairs, error = pattern_extractor(pattern)(line)
    assert dict(pairs) == labels and error is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("<a><b>", "found consecutive capture"),
        ("<_> x", "at least one capture is required"),
        ("<a> <a>", "duplicate capture name (a)"),
    ],
)
def test_pattern_rejects(pattern: str, message: str) -> None:
    with pytest.raises(LogQLParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pattern_extractor(pattern)


def test_regexp_needs_named_groups() -> None:
    with pytest.raises(LogQLParseError, match="at least one named capture must be supplied"):
        regexp_extractor("(a)(b)")
    assert regexp_extractor("(?P<x>a)(?P<y>z)?")("ab") == ([("x", "a"), ("y", "")], None)


@pytest.mark.parametrize(
    ("text", "go_only", "ns"),
    [("5m", False, 300 * S), ("1h30m", False, 5400 * S), ("250ms", True, 250_000_000),
     ("1.5s", True, 1_500_000_000), ("-2s", True, -2 * S), ("1d", False, 86_400 * S),
     ("1d", True, None), ("5", False, None), ("", False, None), ("10us", True, 10_000)],
)  # fmt: skip
def test_parse_duration(text: str, go_only: bool, ns: int | None) -> None:
    assert parse_duration_ns(text, go_only=go_only) == ns


@pytest.mark.parametrize(
    ("text", "size"),
    [("10KB", 10_000), ("10KiB", 10_240), ("1.5mb", 1_500_000), ("42", 42), ("7B", 7),
     ("3 GB", 3e9), ("x", None), ("2iB", None)],
)  # fmt: skip
def test_parse_bytes(text: str, size: float | None) -> None:
    assert parse_bytes(text) == size


@pytest.mark.parametrize(
    ("value", "ns"),
    [("1700000000", 1_700_000_000 * S), ("1700000000000000001", 1_700_000_000_000_000_001),
     ("1700000000.25", 1_700_000_000 * S + 250_000_000),
     ("2023-11-14T22:13:20Z", 1_700_000_000 * S),
     ("2023-11-14T22:13:20.000000042Z", 1_700_000_000 * S + 42),
     ("2023-11-15T00:13:20+02:00", 1_700_000_000 * S), (None, 7)],
)  # fmt: skip
def test_parse_time(value: str | None, ns: int) -> None:
    assert parse_time("start", value, 7) == ns


@pytest.mark.parametrize("value", ["yesterday", "2023-11-14T22:13:20", "1.2.3"])
def test_parse_time_rejects(value: str) -> None:
    with pytest.raises(QueryError, match=f'invalid parameter "start": cannot parse "{value}"'):
        parse_time("start", value, 0)


def test_limits_and_ranges() -> None:
    assert parse_limit(None) == 100 and parse_limit("5000") == 5000
    with pytest.raises(QueryError, match=r"limit > max_entries_limit \(5001 > 5000\)"):
        parse_limit("5001")
    with pytest.raises(QueryError, match="limit must be a positive value"):
        parse_limit("0")
    assert time_range(None, None, "5m", 1000 * S, 3600 * S) == (700 * S, 1000 * S)
    assert time_range(None, "100", None, 0, 10 * S) == (90 * S, 100 * S)
    with pytest.raises(QueryError, match="end timestamp must not be before"):
        time_range("200", "100", None, 0, 0)


def test_step_times() -> None:
    assert step_times(0, 10 * S, "5s") == [0, 5 * S, 10 * S]
    assert step_times(0, 3 * S, "1.5") == [0, 1_500_000_000, 3 * S]
    assert len(step_times(0, 1000 * S, None)) == 251  # range/250, at least 1s
    with pytest.raises(QueryError, match="zero or negative query resolution step"):
        step_times(0, S, "0s")
    with pytest.raises(QueryError, match="exceeded maximum resolution of 11,000 points"):
        step_times(0, 20_000 * S, "1s")
    with pytest.raises(QueryError, match='invalid parameter "step"'):
        step_times(0, S, "often")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (0.5, "0.5"), (1 / 60, "0.016666666666666666"), (1e-7, "0.0000001"),
     (1e21, "1000000000000000000000"), (float("nan"), "NaN"), (float("-inf"), "-Inf")],
)  # fmt: skip
def test_format_value_like_go(value: float, text: str) -> None:
    assert format_value(value) == text


def test_format_time() -> None:
    assert format_time(1_700_000_000 * S) == 1_700_000_000
    assert format_time(1_700_000_000 * S + 250_000_001) == 1_700_000_000.25
