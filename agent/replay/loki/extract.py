"""Label extraction from log lines: LogQL's ``json``, ``logfmt``, ``regexp`` and ``pattern``.

Each extractor returns the labels it found (names already sanitized the way Loki does) and an
error detail when the line could not be parsed; the pipeline turns that into ``__error__``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.replay.loki.errors import LogQLParseError
from agent.replay.loki.goregex import compile_go_regex

Extracted = tuple[list[tuple[str, str]], str | None]  # (name, value) pairs, error detail
Extractor = Callable[[str], Extracted]

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_INVALID_LABEL_CHAR = re.compile(r"[^a-zA-Z0-9_]")
_JSON_PATH_PART = re.compile(r"""\.?([^.\[\]"]+)|\[(\d+)\]|\["([^"]*)"\]""")


@functools.lru_cache(maxsize=4096)  # the same few keys recur on every line
def sanitize_label_name(key: str) -> str:
    """Loki's ``sanitizeLabelKey``: invalid characters become ``_``, no leading digit."""
    key = key.strip()
    if key[:1].isdigit():
        key = "_" + key
    return _INVALID_LABEL_CHAR.sub("_", key)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def json_extractor(params: tuple[tuple[str, str], ...]) -> Extractor:
    """``| json`` (every key, nested ones joined with ``_``) or ``| json a="x.y[0]"``."""
    paths = [(name, _parse_json_path(path)) for name, path in params]

    def extract(line: str) -> Extracted:
        try:
            # Numbers stay as written ("1.50"), as Loki copies the raw JSON token.
            doc = json.loads(line, parse_float=str, parse_int=str, parse_constant=_reject_constant)
        except ValueError as exc:
            return [], str(exc)
        if not isinstance(doc, dict):
            return [], "Value looks like object, but can't find closing '}' symbol"
        if not paths:
            out: list[tuple[str, str]] = []
            _flatten(doc, "", out)
            return out, None
        return [(name, _json_value(_walk(doc, path))) for name, path in paths], None

    return extract


def _flatten(obj: dict[str, Any], prefix: str, out: list[tuple[str, str]]) -> None:
    for key, value in obj.items():
        name = sanitize_label_name(key)
        if not name:
            continue
        full = f"{prefix}_{name}" if prefix else name
        if isinstance(value, dict):
            _flatten(value, full, out)
        elif not isinstance(value, list):  # Loki skips arrays unless a path selects them
            out.append((full, _json_value(value)))


def _json_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _parse_json_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        match = _JSON_PATH_PART.match(path, pos)
        if match is None:
            raise LogQLParseError(f"invalid json expression: {path!r}")
        key, index, quoted = match.groups()
        parts.append(int(index) if index is not None else (key if key is not None else quoted))
        pos = match.end()
    return parts


def _walk(doc: Any, path: list[str | int]) -> Any:
    for part in path:
        in_list = isinstance(part, int) and isinstance(doc, list) and part < len(doc)
        in_dict = isinstance(part, str) and isinstance(doc, dict) and part in doc
        if not (in_list or in_dict):
            return None
        doc = doc[part]
    return doc


class _LogfmtSyntaxError(ValueError):
    pass


# A well-formed logfmt pair; lines made only of these take a regex fast path (the
# character-by-character scanner below is ~10x slower and only needed to locate errors).
_LOGFMT_PAIR = r'([^\s="]+)(?:=("(?:[^"\\]|\\.)*"|[^\s="]*))?'
_LOGFMT_LINE = re.compile(rf"\s*(?:{_LOGFMT_PAIR}\s+)*(?:{_LOGFMT_PAIR})?\s*")
_LOGFMT_PAIRS = re.compile(_LOGFMT_PAIR)


def logfmt_extractor(strict: bool, keep_empty: bool) -> Extractor:
    """``| logfmt``: ``key=value key="quoted value"``; malformed pairs are skipped unless strict."""

    def extract(line: str) -> Extracted:
        if _LOGFMT_LINE.fullmatch(line):
            try:
                return _logfmt_fast(line, keep_empty), None
            except ValueError:
                pass  # a Go-only escape in a quoted value: let the full scanner report it
        out: list[tuple[str, str]] = []
        pos = 0
        while pos < len(line):
            if line[pos] <= " ":
                pos += 1
                continue
            try:
                key, value, pos = _logfmt_pair(line, pos)
            except _LogfmtSyntaxError as exc:
                if strict:
                    return out, str(exc)
                while pos < len(line) and line[pos] > " ":  # skip the bad token
                    pos += 1
                continue
            name = sanitize_label_name(key)
            if name and (value or keep_empty):
                out.append((name, value))
        return out, None

    return extract


def _logfmt_fast(line: str, keep_empty: bool) -> list[tuple[str, str]]:
    out = []
    for key, raw in _LOGFMT_PAIRS.findall(line):
        value = json.loads(raw) if raw.startswith('"') else raw
        name = sanitize_label_name(key)
        if name and (value or keep_empty):
            out.append((name, value))
    return out


def _logfmt_pair(line: str, start: int) -> tuple[str, str, int]:
    pos = start
    while pos < len(line) and line[pos] > " " and line[pos] not in '="':
        pos += 1
    key = line[start:pos]
    if pos < len(line) and line[pos] == '"':
        raise _LogfmtSyntaxError(f"logfmt syntax error at pos {pos + 1} : unexpected '\"'")
    if pos >= len(line) or line[pos] != "=":
        return key, "", pos
    if not key:
        raise _LogfmtSyntaxError(f"logfmt syntax error at pos {pos + 1} : unexpected '='")
    pos += 1
    if pos < len(line) and line[pos] == '"':
        end = pos + 1
        while end < len(line) and line[end] != '"':
            end += 2 if line[end] == "\\" else 1
        if end >= len(line):
            raise _LogfmtSyntaxError(f"logfmt syntax error at pos {pos + 1} : unterminated quote")
        try:
            value = json.loads(line[pos : end + 1])  # Go and JSON escapes agree on the usual ones
        except ValueError as exc:
            raise _LogfmtSyntaxError(f"logfmt syntax error at pos {pos + 1} : {exc}") from exc
        return key, value, end + 1
    value_start = pos
    while pos < len(line) and line[pos] > " ":
        if line[pos] in '="':
            raise _LogfmtSyntaxError(
                f"logfmt syntax error at pos {pos + 1} : unexpected {line[pos]!r}"
            )
        pos += 1
    return key, line[value_start:pos], pos


def regexp_extractor(pattern: str) -> Extractor:
    """``| regexp "(?P<name>...)"``: each named group becomes a label when the line matches.

    Raises:
        LogQLParseError: no named group, or a group name that is not a label name.
    """
    regex = compile_go_regex(pattern, anchored=False)
    names = list(regex.groupindex)
    if not names:
        raise LogQLParseError("at least one named capture must be supplied")
    for name in names:
        if not _LABEL_NAME.fullmatch(name):
            raise LogQLParseError(f"invalid extracted label name '{name}'")

    def extract(line: str) -> Extracted:
        match = regex.search(line)
        if match is None:
            return [], None
        return [(name, match.group(name) or "") for name in names], None

    return extract


@dataclass(frozen=True, slots=True)
class _Capture:
    name: str  # "_" for an unnamed capture


def pattern_extractor(pattern: str) -> Extractor:
    """``| pattern "<ip> - <_> <method>"``, matched the way Loki's pattern matcher does.

    Raises:
        LogQLParseError: the pattern has no named capture, or two captures in a row.
    """
    parts = _parse_pattern(pattern)

    def extract(line: str) -> Extracted:
        return _match_pattern(parts, line), None

    return extract


def _parse_pattern(pattern: str) -> list[str | _Capture]:
    parts: list[str | _Capture] = []
    literal: list[str] = []
    pos = 0
    capture = re.compile(r"<([a-zA-Z_][a-zA-Z0-9_]*)>")
    while pos < len(pattern):
        match = capture.match(pattern, pos)
        if match is None:
            literal.append(pattern[pos])
            pos += 1
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        elif parts and isinstance(parts[-1], _Capture):
            raise LogQLParseError("found consecutive capture: invalid expression")
        name = match.group(1)
        if name != "_" and any(isinstance(p, _Capture) and p.name == name for p in parts):
            raise LogQLParseError(f"duplicate capture name ({name}): invalid expression")
        parts.append(_Capture(name))
        pos = match.end()
    if literal:
        parts.append("".join(literal))
    if not any(isinstance(p, _Capture) and p.name != "_" for p in parts):
        raise LogQLParseError("at least one capture is required")
    return parts


def _match_pattern(parts: list[str | _Capture], line: str) -> list[tuple[str, str]]:
    # Mirrors Loki's matcher: a leading literal must start the line; each capture runs to
    # the next occurrence of the following literal, or to the end when that is missing.
    out: list[tuple[str, str]] = []
    rest = line
    index = 0
    if isinstance(parts[0], str):
        if not rest.startswith(parts[0]):
            return []
        rest = rest[len(parts[0]) :]
        index = 1
    while index < len(parts):
        capture = parts[index]
        assert isinstance(capture, _Capture)
        if index + 1 == len(parts):
            if capture.name != "_":
                out.append((capture.name, rest))
            return out
        literal = parts[index + 1]
        assert isinstance(literal, str)
        index += 2
        found = rest.find(literal)
        if found < 0:
            if capture.name != "_":
                out.append((capture.name, rest))
            return out
        if capture.name != "_":
            out.append((capture.name, rest[:found]))
        rest = rest[found + len(literal) :]
    return out
