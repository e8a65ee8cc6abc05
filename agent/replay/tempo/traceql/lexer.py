"""Split a TraceQL query into tokens.

The lexer knows TraceQL's whole surface (structural operators, pipes, arithmetic, scoped
intrinsics such as ``span:id``) so that the parser can name an unsupported construct
instead of reporting a confusing syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.replay.tempo.traceql.errors import TraceQLSyntaxError

TokenKind = Literal[
    "{", "}", "(", ")", ",", "&&", "||", "|", "!", "op", "struct", "arith",
    "string", "number", "duration", "ident", "attr", "scoped_intrinsic", "eof",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, source text, 0-based offset and decoded literal value."""

    kind: TokenKind
    text: str
    offset: int
    value: str | int | float | tuple[str, str] | None = None


# Longest operators first so that ``!>>`` is not read as ``!`` then ``>>``.
_OPERATORS: tuple[tuple[str, TokenKind], ...] = (
    ("!>>", "struct"), ("!<<", "struct"), ("&>>", "struct"), ("&<<", "struct"),
    ("&&", "&&"), ("||", "||"), (">>", "struct"), ("<<", "struct"),
    ("!>", "struct"), ("!<", "struct"), ("&>", "struct"), ("&<", "struct"), ("&~", "struct"),
    ("=~", "op"), ("!~", "op"), ("!=", "op"), (">=", "op"), ("<=", "op"),
    ("=", "op"), (">", "op"), ("<", "op"), ("~", "struct"),
    ("{", "{"), ("}", "}"), ("(", "("), (")", ")"), (",", ","), ("|", "|"), ("!", "!"),
    ("+", "arith"), ("-", "arith"), ("*", "arith"), ("/", "arith"), ("%", "arith"),
    ("^", "arith"),
)  # fmt: skip

DURATION_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_UNIT = "ns|us|µs|ms|s|m|h"
_DURATION = re.compile(rf"(?:\d+(?:\.\d+)?(?:{_UNIT}))+(?![\w.])")
_DURATION_PART = re.compile(rf"(\d+(?:\.\d+)?)({_UNIT})")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Attribute names run until whitespace or a character that starts an operator.
_ATTR_PATH = re.compile(r"[^\s{}()=!<>~&|\"`,+*%^]+")
_ATTR_SCOPES = ("resource", "span", "event", "link", "instrumentation", "parent")
_INTRINSIC_SCOPES = ("span", "trace", "event", "link", "instrumentation")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens ending with an ``eof`` token.

    Raises:
        TraceQLSyntaxError: an unexpected character or an unterminated string.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char.isspace():
            pos += 1
            continue
        token = _read_token(source, pos, tokens[-1] if tokens else None)
        tokens.append(token)
        pos = token.offset + len(token.text)
    tokens.append(Token("eof", "", len(source)))
    return tokens


def parse_duration(text: str) -> int:
    """Nanoseconds in a Go-style duration such as ``1m30s`` or ``1.5s``.

    Raises:
        ValueError: ``text`` is not a duration.
    """
    if not _DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration like 250ms, 1.5s or 1m30s")
    return duration_ns(text)


def duration_ns(text: str) -> int:
    """Nanoseconds in text already matched as a duration."""
    return round(sum(float(n) * DURATION_UNITS_NS[u] for n, u in _DURATION_PART.findall(text)))


def _read_token(source: str, pos: int, previous: Token | None) -> Token:
    char = source[pos]
    if char in '"`':
        return _read_string(source, pos)
    negative = char == "-" and previous is not None and previous.kind == "op"
    number_at = pos + 1 if negative else pos
    if number_at < len(source) and source[number_at].isdigit():
        return _read_number(source, pos, number_at)
    if char == "." and pos + 1 < len(source) and _ATTR_PATH.match(source, pos + 1):
        return _read_attribute(source, pos, pos + 1, "")
    ident = _IDENT.match(source, pos)
    if ident:
        end = ident.end()
        name = ident.group()
        nxt = source[end : end + 1]
        if nxt == "." and name in _ATTR_SCOPES:
            return _read_attribute(source, pos, end + 1, name)
        if nxt == ":" and name in _INTRINSIC_SCOPES:
            rest = _IDENT.match(source, end + 1)
            if rest:
                return Token("scoped_intrinsic", source[pos : rest.end()], pos)
        return Token("ident", name, pos, name)
    for text, kind in _OPERATORS:
        if source.startswith(text, pos):
            return Token(kind, text, pos)
    raise TraceQLSyntaxError(f"unexpected character {char!r}", source, pos)


def _read_number(source: str, pos: int, digits_at: int) -> Token:
    sign = -1 if digits_at != pos else 1
    duration = _DURATION.match(source, digits_at)
    if duration:
        text = source[pos : duration.end()]
        return Token("duration", text, pos, sign * duration_ns(duration.group()))
    number = _NUMBER.match(source, digits_at)
    if not number:
        raise TraceQLSyntaxError("malformed number or duration", source, pos)
    text = source[pos : number.end()]
    digits = number.group()
    is_float = any(c in digits for c in ".eE")
    value: int | float = sign * (float(digits) if is_float else int(digits))
    return Token("number", text, pos, value)


def _read_attribute(source: str, pos: int, name_at: int, scope: str) -> Token:
    if source.startswith('"', name_at):
        quoted = _read_string(source, name_at)
        end = name_at + len(quoted.text)
        return Token("attr", source[pos:end], pos, (scope, str(quoted.value)))
    path = _ATTR_PATH.match(source, name_at)
    if not path:
        raise TraceQLSyntaxError("expected an attribute name after '.'", source, name_at)
    return Token("attr", source[pos : path.end()], pos, (scope, path.group()))


def _read_string(source: str, pos: int) -> Token:
    quote = source[pos]
    chars: list[str] = []
    i = pos + 1
    while i < len(source):
        char = source[i]
        if char == quote:
            return Token("string", source[pos : i + 1], pos, "".join(chars))
        if char == "\\" and quote == '"' and i + 1 < len(source):
            escaped = source[i + 1]
            if escaped not in _ESCAPES:
                raise TraceQLSyntaxError(f"invalid escape '\\{escaped}'", source, i)
            chars.append(_ESCAPES[escaped])
            i += 2
            continue
        chars.append(char)
        i += 1
    raise TraceQLSyntaxError("unterminated string", source, pos)
