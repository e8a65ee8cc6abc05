"""A small tokenizer for LogQL and PromQL: just enough to find selectors, ranges and offsets.

The policy must see the same selectors the backend will. So strings are decoded exactly
(a ``{`` or ``namespace="x"`` inside a line filter or template is string content, never a
selector), and anything where parsers could disagree — comments, unterminated strings,
matchers that do not parse — is rejected rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from .duration import parse_duration

Kind = Literal["string", "ident", "number", "punct"]


class QuerySyntaxError(ValueError):
    """The query cannot be read safely; the message says where."""


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token; ``text`` is the decoded value for strings."""

    kind: Kind
    text: str
    pos: int


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher: ``name op "value"``."""

    name: str
    op: str
    value: str


@dataclass(frozen=True, slots=True)
class Selector:
    """A series or stream selector: optional metric name plus matchers."""

    metric: str | None
    matchers: tuple[Matcher, ...]

    def metric_name(self) -> str | None:
        """The metric name, from before the braces or an ``__name__="…"`` matcher."""
        if self.metric:
            return self.metric
        names = [m.value for m in self.matchers if m.name == "__name__" and m.op == "="]
        return names[0] if names else None


@dataclass(slots=True)
class QueryShape:
    """What a query reads: its selectors, range durations, offsets, and pinned times."""

    selectors: list[Selector] = field(default_factory=list)
    ranges: list[timedelta] = field(default_factory=list)
    offsets: list[timedelta] = field(default_factory=list)
    pinned: bool = False


_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z0-9_]*")
_OPERATORS = ("=~", "!~", "!=", "==", "<=", ">=", "|=", "|~", "|>", "!>")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "`": "`"}
_MATCH_OPS = frozenset({"=", "!=", "=~", "!~"})
# Identifiers before "(" that open a list of label names rather than an expression.
_GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_KEYWORDS = frozenset({"bool", "and", "or", "unless", "offset", "inf", "nan", "atan2"}) | _GROUPING


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens.

    Raises:
        QuerySyntaxError: an unterminated string or a comment.
    """
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "\"'`":
            value, end = _read_string(text, i)
            tokens.append(Token("string", value, i))
            i = end
        elif ch == "#" or text.startswith(("//", "/*"), i):
            # Comments hide text from one parser but maybe not another: refuse them.
            raise QuerySyntaxError(f"comments are not allowed (at offset {i})")
        elif (m := _IDENT.match(text, i)) is not None and not (
            # In "[1h:5m]" the colon separates range and step; elsewhere it may begin a
            # recording-rule name such as ":node_cpu:rate5m".
            ch == ":" and tokens and tokens[-1].kind == "number"
        ):
            tokens.append(Token("ident", m.group(), i))
            i = m.end()
        elif (m := _NUMBER.match(text, i)) is not None:
            tokens.append(Token("number", m.group(), i))
            i = m.end()
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), ch)
            tokens.append(Token("punct", op, i))
            i += len(op)
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\" and quote != "`":
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            # Unknown escapes (regex "\d", "\.") keep their backslash, as the Go parsers do
            # for the escapes that matter here; the value is only compared, never executed.
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise QuerySyntaxError(f"unterminated string starting at offset {start}")


def read_query(text: str, *, bare_metrics: bool) -> QueryShape:
    """Find every selector, range, offset and ``@`` time in a LogQL or PromQL query.

    Args:
        text: The query.
        bare_metrics: Whether an identifier alone selects series (PromQL), or only braces
            select (LogQL).

    Raises:
        QuerySyntaxError: the selectors or ranges cannot be read.
    """
    tokens = tokenize(text)
    shape = QueryShape()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.kind == "punct" and tok.text == "{":
            matchers, i = _read_matchers(tokens, i)
            shape.selectors.append(Selector(None, matchers))
            continue
        if tok.kind == "punct" and tok.text == "[":
            i = _read_range(tokens, i, shape)
            continue
        if (
            tok.kind == "punct"
            and tok.text == "@"
            and (nxt is None or nxt.kind != "ident" or nxt.text not in {"start", "end"})
        ):
            shape.pinned = True
        if tok.kind == "ident" and tok.text.lower() == "offset" and nxt is not None:
            j = i + 2 if nxt.text == "-" else i + 1
            if j >= len(tokens) or tokens[j].kind != "number":
                raise QuerySyntaxError(f"offset without a duration at offset {tok.pos}")
            shape.offsets.append(_duration(tokens[j]))
            i = j + 1
            continue
        if tok.kind == "ident" and bare_metrics:
            if nxt is not None and nxt.kind == "punct" and nxt.text == "{":
                matchers, i = _read_matchers(tokens, i + 1)
                shape.selectors.append(Selector(tok.text, matchers))
                continue
            if nxt is not None and nxt.kind == "ident" and nxt.text.lower() in {"by", "without"}:
                pass  # an aggregation written "sum by (…) (…)"
            elif nxt is not None and nxt.kind == "punct" and nxt.text == "(":
                if tok.text.lower() in _GROUPING:
                    i = _skip_group(tokens, i + 1)
                    continue
            elif tok.text.lower() not in _KEYWORDS:
                shape.selectors.append(Selector(tok.text, ()))
        i += 1
    return shape


def _read_matchers(tokens: list[Token], i: int) -> tuple[tuple[Matcher, ...], int]:
    """Read ``{ name op "value", … }`` starting at the ``{``; return the index after ``}``."""
    start = tokens[i].pos
    matchers: list[Matcher] = []
    i += 1
    while True:
        if i < len(tokens) and tokens[i].text == "}" and tokens[i].kind == "punct":
            return tuple(matchers), i + 1
        if i + 2 >= len(tokens):
            raise QuerySyntaxError(f"unterminated selector at offset {start}")
        name, op, value = tokens[i], tokens[i + 1], tokens[i + 2]
        if (
            name.kind not in {"ident", "string"}
            or op.kind != "punct"
            or op.text not in _MATCH_OPS
            or value.kind != "string"
        ):
            raise QuerySyntaxError(
                f"cannot read the label matcher at offset {name.pos} "
                '(expected name="value", name=~"regex", name!="value" or name!~"regex")'
            )
        matchers.append(Matcher(name.text, op.text, value.text))
        i += 3
        if i < len(tokens) and tokens[i].kind == "punct" and tokens[i].text == ",":
            i += 1
        elif i >= len(tokens) or tokens[i].text != "}" or tokens[i].kind != "punct":
            raise QuerySyntaxError(f"expected ',' or '}}' in the selector at offset {start}")


def _read_range(tokens: list[Token], i: int, shape: QueryShape) -> int:
    """Read ``[5m]`` or ``[1h:1m]`` starting at the ``[``; return the index after ``]``."""
    start = tokens[i].pos
    j = i + 1
    if j >= len(tokens) or tokens[j].kind != "number":
        raise QuerySyntaxError(f"a range needs a duration, at offset {start}")
    shape.ranges.append(_duration(tokens[j]))
    j += 1
    if j < len(tokens) and tokens[j].text == ":":
        j += 1
        if j < len(tokens) and tokens[j].kind == "number":
            _duration(tokens[j])  # the step must at least be a duration
            j += 1
    if j >= len(tokens) or tokens[j].text != "]":
        raise QuerySyntaxError(f"unterminated range at offset {start}")
    return j + 1


def _skip_group(tokens: list[Token], i: int) -> int:
    """Skip ``( label, … )`` starting at the ``(``; return the index after ``)``."""
    j = i + 1
    while j < len(tokens) and not (tokens[j].kind == "punct" and tokens[j].text == ")"):
        if tokens[j].kind not in {"ident", "string"} and tokens[j].text != ",":
            raise QuerySyntaxError(f"unexpected {tokens[j].text!r} in a label list")
        j += 1
    return j + 1


def _duration(token: Token) -> timedelta:
    try:
        return parse_duration(token.text)
    except ValueError as exc:
        raise QuerySyntaxError(f"{exc} at offset {token.pos}") from None
