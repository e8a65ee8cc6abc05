"""JSON and logfmt lines give their message to template and the other fields as labels."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.logs.masking import text_of
from agent.logs.structured import _PAIR, _unquote, split_message


def test_json_message_and_labels_whatever_the_key_order() -> None:
    a = split_message(json.dumps({"level": "error", "msg": "dial failed", "n": 3}))
    b = split_message(json.dumps({"n": 4, "msg": "dial failed", "level": "warn"}))
    assert a == ("dial failed", {"level": "error", "n": "3"})
    assert b[0] == a[0] and set(b[1]) == set(a[1])


def test_json_nested_values_and_message_key_order() -> None:
    text, labels = split_message('{"message": "failed", "error": "boom", "ctx": {"b": 1, "a": 2}}')
    assert text == "failed error=boom"  # the error goes with the message it explains
    assert labels == {"ctx": '{"a":2,"b":1}'}
    assert split_message('{"error": "boom", "code": 7}') == ("boom", {"code": "7"})


def test_json_without_a_message_is_its_key_names() -> None:
    assert split_message('{"ts": 1, "code": 500}')[0] == "code=<*> ts=<*>"


def test_logfmt_message_and_labels() -> None:
    line = 'ts=2024-05-01T10:00:00Z level=info msg="request \\"served\\"" path=/api status=200'
    text, labels = split_message(line)
    assert text == 'request "served"'
    assert labels == {
        "ts": "2024-05-01T10:00:00Z",
        "level": "info",
        "path": "/api",
        "status": "200",
    }
    prefixed = '2024-05-01T10:00:00Z level=info msg="request served" status=200'
    assert split_message(prefixed)[0] == "request served"


def test_text_with_parameters_stays_text() -> None:
    prose = "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.1"
    assert split_message(prose) == (prose, {})
    assert split_message("disk full, retry=3") == ("disk full, retry=3", {})
    assert split_message("{not json}") == ("{not json}", {})
    assert split_message("[1, 2]") == ("[1, 2]", {})
    assert text_of('  {"msg":"x"}  ') == "x"


# The logfmt reading as first written: a backtracking pair pattern, every quoted value decoded
# as JSON. The fast one (possessive runs, no decoding without escapes) must read the same.
_PLAIN_PAIR = re.compile(r'([A-Za-z_][\w.\-/@]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)')


def _plain_unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return str(json.loads(value))
        except ValueError:
            return value[1:-1]
    return value


_LOGFMT_PIECES = [
    *'ab=" \\\t.-_/@:{}0123456789é٣',
    "msg=",
    "error=",
    'msg="x y"',
    '\\"',
    "\x01",  # a control character: not valid inside a JSON string
    "level=info",
    "k.v/w@x-y=",
]


@settings(max_examples=2_000, derandomize=True, deadline=None)
@given(pieces=st.lists(st.sampled_from(_LOGFMT_PIECES), max_size=30))
def test_logfmt_pairs_are_read_as_the_plain_pattern_reads_them(pieces: list[str]) -> None:
    text = "".join(pieces)
    plain = [(m.group(1), _plain_unquote(m.group(2))) for m in _PLAIN_PAIR.finditer(text)]
    fast = [(key, _unquote(value)) for key, value in _PAIR.findall(text)]
    assert fast == plain
    for value in ('"tab\there"', '"ctl\x01"', '"plain"', '"esc\\"aped"', '"bad\\q"', '""'):
        assert _unquote(value) == _plain_unquote(value)
