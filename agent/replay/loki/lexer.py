"""Tokenizer for LogQL.

Token kinds use the names of Loki's own grammar (``IDENTIFIER``, ``STRING``, ``DURATION``,
``OPEN_BRACE`` ...) so syntax errors read like Loki's: ``unexpected IDENTIFIER``. Keywords
(``by``, ``json``, ``rate`` ...) are lexed as identifiers and recognised by the parser from
context, which lets them also be used as ordinary label names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.replay.loki.errors import LogQLParseError

# Longest operators first so "|=" wins over "|" and "=~" over "=".
_OPERATORS: tuple[tuple[str, str], ...] = (
    ("|=", "PIPE_EXACT"),
    ("|~", "PIPE_MATCH"),
    ("|>", "PIPE_PATTERN"),
    ("!=", "NEQ"),
    ("!~", "NRE"),
    ("=~", "RE"),
    ("==", "CMP_EQ"),
    (">=", "GTE"),
    ("<=", "LTE"),
    ("=", "EQ"),
    (">", "GT"),
    ("<", "LT"),
    ("|", "PIPE"),
    ("{", "OPEN_BRACE"),
    ("}", "CLOSE_BRACE"),
    ("(", "OPEN_PARENTHESIS"),
    (")", "CLOSE_PARENTHESIS"),
    ("[", "OPEN_BRACKET"),
    ("]", "CLOSE_BRACKET"),
    (",", "COMMA"),
    ("+", "ADD"),
    ("-", "SUB"),
    ("*", "MUL"),
    ("/", "DIV"),
    ("%", "MOD"),
    ("^", "POW"),
)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DURATION = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h|d|w|y))+")
_BYTES = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[kmgtpe]i?)?b(?![A-Za-z0-9_])", re.IGNORECASE)
_FLAG = re.compile(r"--[a-z][a-z-]*")

_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", '"': '"', "'": "'",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: its kind, its (unescaped) text and its 1-based position."""

    kind: str
    text: str
    line: int
    col: int


def tokenize(query: str) -> list[Token]:
    """Split a LogQL query into tokens, ending with an ``EOF`` token.

    Raises:
        LogQLParseError: on a character or string literal LogQL cannot contain.
    """
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(query):
        ch = query[pos]
        col = pos - line_start + 1
        if ch == "\n":
            pos, line, line_start = pos + 1, line + 1, pos + 1
            continue
        if ch.isspace():
            pos += 1
            continue
        if ch == "#":  # Loki allows comments to the end of the line.
            end = query.find("\n", pos)
            pos = len(query) if end < 0 else end
            continue
        if ch in '"`':
            text, pos = _read_string(query, pos, line, col)
            tokens.append(Token("STRING", text, line, col))
            continue
        if ch.isdigit():
            kind, match = _read_number(query, pos)
            tokens.append(Token(kind, match, line, col))
            pos += len(match)
            continue
        ident = _IDENT.match(query, pos)
        if ident:
            tokens.append(Token("IDENTIFIER", ident.group(), line, col))
            pos = ident.end()
            continue
        flag = _FLAG.match(query, pos)
        if flag:
            tokens.append(Token("FLAG", flag.group(), line, col))
            pos = flag.end()
            continue
        for text, kind in _OPERATORS:
            if query.startswith(text, pos):
                tokens.append(Token(kind, text, line, col))
                pos += len(text)
                break
        else:
            raise LogQLParseError(f"syntax error: unexpected character {ch!r}", line, col)
    tokens.append(Token("EOF", "", line, len(query) - line_start + 1))
    return tokens


def _read_number(query: str, pos: int) -> tuple[str, str]:
    """Classify the literal at ``pos`` as DURATION, BYTES or NUMBER (longest match)."""
    duration = _DURATION.match(query, pos)
    bytes_ = _BYTES.match(query, pos)
    number = _NUMBER.match(query, pos)
    assert number is not None  # the caller saw a digit
    if duration and not _continues_identifier(query, duration.end()):
        return "DURATION", duration.group()
    if bytes_:
        return "BYTES", bytes_.group()
    return "NUMBER", number.group()


def _continues_identifier(query: str, pos: int) -> bool:
    return pos < len(query) and (query[pos].isalnum() or query[pos] == "_")


def _read_string(query: str, start: int, line: int, col: int) -> tuple[str, int]:
    """Read a double-quoted (Go escapes) or backtick (raw) string; return text and end."""
    quote = query[start]
    pos = start + 1
    if quote == "`":
        end = query.find("`", pos)
        if end < 0:
            raise LogQLParseError("syntax error: unterminated raw string", line, col)
        return query[pos:end], end + 1
    out: list[str] = []
    while pos < len(query):
        ch = query[pos]
        if ch == '"':
            return "".join(out), pos + 1
        if ch == "\n":
            break
        if ch != "\\":
            out.append(ch)
            pos += 1
            continue
        esc = query[pos + 1 : pos + 2]
        if esc in _ESCAPES:
            out.append(_ESCAPES[esc])
            pos += 2
        elif esc in _HEX_ESCAPES:
            digits = query[pos + 2 : pos + 2 + _HEX_ESCAPES[esc]]
            if len(digits) != _HEX_ESCAPES[esc] or not _is_hex(digits):
                raise LogQLParseError(f"syntax error: invalid escape \\{esc}{digits}", line, col)
            out.append(chr(int(digits, 16)))
            pos += 2 + len(digits)
        elif esc.isdigit():
            digits = query[pos + 1 : pos + 4]
            if len(digits) != 3 or any(d not in "01234567" for d in digits):
                raise LogQLParseError(f"syntax error: invalid escape \\{digits}", line, col)
            out.append(chr(int(digits, 8)))
            pos += 4
        else:
            raise LogQLParseError(f"syntax error: invalid escape \\{esc}", line, col)
    raise LogQLParseError("syntax error: unterminated string", line, col)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
