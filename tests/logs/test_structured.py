"""JSON and logfmt lines give their message to template and the other fields as labels."""

from __future__ import annotations

import json

from agent.logs.masking import text_of
from agent.logs.structured import split_message


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
