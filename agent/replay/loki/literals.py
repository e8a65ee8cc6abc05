"""Checks and conversions of LogQL literals used by the parser: matchers and numeric filters."""

from __future__ import annotations

from agent.replay.loki import nodes
from agent.replay.loki.errors import LogQLParseError, QueryError
from agent.replay.loki.goregex import compile_go_regex
from agent.replay.loki.lexer import Token
from agent.replay.loki.units import parse_bytes, parse_duration_ns


def checked_matcher(name: str, op: str, value: Token) -> nodes.Matcher:
    """A stream matcher; a regex that does not compile is a parse error at its token."""
    if op in ("=~", "!~"):
        try:
            compile_go_regex(value.text, anchored=True)
        except QueryError as exc:
            raise LogQLParseError(str(exc), value.line, value.col) from exc
    return nodes.Matcher(name, op, value.text)  # type: ignore[arg-type]


def numeric_filter(name: str, op: str, token: Token, sign: str) -> nodes.NumericFilter:
    """A numeric label filter from a number, duration or byte-size token."""
    text = sign + token.text
    if token.kind == "DURATION":
        ns = parse_duration_ns(text)
        assert ns is not None  # the lexer only emits well-formed durations
        return nodes.NumericFilter(name, op, ns / 1e9, "duration", text)  # type: ignore[arg-type]
    if token.kind == "BYTES":
        size = parse_bytes(token.text)
        assert size is not None
        value = -size if sign else size
        return nodes.NumericFilter(name, op, value, "bytes", text)  # type: ignore[arg-type]
    return nodes.NumericFilter(name, op, float(text), "number", text)  # type: ignore[arg-type]


def matches_empty(matcher: nodes.Matcher) -> bool:
    """Whether the matcher accepts the empty string (Loki refuses selectors of only those)."""
    if matcher.op == "=":
        return matcher.value == ""
    if matcher.op == "!=":
        return matcher.value != ""
    matches = compile_go_regex(matcher.value, anchored=True).match("") is not None
    return matches if matcher.op == "=~" else not matches
