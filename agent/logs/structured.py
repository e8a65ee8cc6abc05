"""Split a structured log line (JSON or logfmt) into the message to template and its labels.

A JSON object or a logfmt line (``level=error msg="dial failed" addr=10.0.0.1``) is templated on
its message field — the first of ``msg``, ``message``, ``log``, ``error``, ``err``, followed by
``error=…`` when an error field accompanies a message — and every other key is returned as a
label, so lines of one shape make one template whatever the
key order and the values. A structured line without a message field is templated by its sorted
key names, so records of one shape still group (a logfmt-looking line without one is prose
with parameters and stays text). Anything else is returned unchanged with no
labels: plain text is the message.
"""

from __future__ import annotations

import json
import re

MESSAGE_KEYS = ("msg", "message", "log", "error", "err")

# key=value or key="quoted value"; keys as logfmt writers emit them (Go, Python, Rust loggers).
# Possessive runs: neither a key nor a value can end anywhere but where its run ends (the
# characters after it are not in its class), so never backtracking matches the same pairs.
_PAIR = re.compile(r'([A-Za-z_][\w.\-/@]*+)=("[^"\\]*+(?:\\.[^"\\]*+)*+"|[^\s"]*+)(?=\s|$)')
# A line counts as logfmt when at least this share of its characters are key=value pairs:
# a prose line with one "x=y" in it is text, a record with a timestamp prefix is still logfmt.
_LOGFMT_COVERAGE = 0.6


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return value
    if type(value) is int:  # what json.dumps writes, without its call (bool is not int here)
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _from_fields(fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    key = next((k for k in MESSAGE_KEYS if fields.get(k)), None)
    if key is None:
        return " ".join(f"{k}=<*>" for k in sorted(fields)), fields
    text = fields[key]
    labels = {k: v for k, v in fields.items() if k != key}
    # An error next to the message is part of the event: "upstream failed" with "connection
    # refused" and with "timeout" are two different problems, not one template.
    for extra in ("error", "err"):
        if extra != key and labels.get(extra):
            text = f"{text} {extra}={labels.pop(extra)}"
    return text, labels


def _json_fields(text: str) -> dict[str, str] | None:
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not obj:
        return None
    return {str(k): _scalar(v) for k, v in obj.items()}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        if "\\" not in value:
            # No escapes: JSON decoding gives the text between the quotes, or fails on a
            # control character, and then the fallback below gives the same.
            return value[1:-1]
        try:
            return str(json.loads(value))
        except ValueError:
            return value[1:-1]
    return value


def _logfmt_fields(text: str) -> dict[str, str] | None:
    pairs: list[tuple[str, str]] = _PAIR.findall(text)
    if len(pairs) < 2:
        return None
    covered = sum(len(key) + len(value) for key, value in pairs) + len(pairs)  # each key=value
    if covered < _LOGFMT_COVERAGE * (len(text) - text.count(" ")):
        return None
    fields = {key: _unquote(value) for key, value in pairs}
    # Without a message key this is prose with key=value parameters (``uid=0 tty=ssh``), which
    # the text path templates better than a bag of key names would.
    return fields if any(k in fields for k in MESSAGE_KEYS) else None


def split_message(line: str) -> tuple[str, dict[str, str]]:
    """Return the text to template and the labels of one raw log line.

    Plain text is its own message with no labels; JSON and logfmt records give their message
    field and the other fields as labels (values as strings, nested JSON values re-serialised).
    """
    stripped = line.strip()
    fields: dict[str, str] | None = None
    if stripped.startswith("{") and stripped.endswith("}"):
        fields = _json_fields(stripped)
    elif "=" in stripped:
        fields = _logfmt_fields(stripped)
    if fields is None:
        return stripped, {}
    return _from_fields(fields)
