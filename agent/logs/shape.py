"""The shape of a masked message: the key the miner groups by, and the template text it shows.

A message is cut into words and punctuation (``= , ; : ( ) [ ] { } " ' |`` are pieces of their
own, so ``uid=0`` is ``uid`` ``=`` ``0``). A piece is a *parameter by form* when it holds a
digit or a typed mask, or looks like a path (``/a/b``), a URL or a dotted name with at least
three parts (host names, Java classes). Every other word is taken as template text until the
miner sees that its position varies (see :mod:`agent.logs.miner`).

A quoted value after ``=`` (``tag="View Lock"``), a constructor-style value after ``=``
(``ws=WorkSource{10113}``) and an empty bracket (``()``) are parameters too.

Parameters are then merged into one slot so that a value which spans a variable number of
tokens keeps the line in its event: adjacent parameters (``4 KB``), a parameter and the unit
after it (``1190 bytes``, ``<1 sec``), a bracket holding only a parameter (``(1.16 KB)``),
punctuation joining two parameters with no space (``0:1``) and lists (``1, 2, 3``). Hence
``1190 bytes (1.16 KB) sent`` and ``95 bytes sent`` have one key, ``<*> sent``. These are rules
about how values are written, the same for every system.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WILDCARD = "<*>"

# A path or URL runs to the next space or bracket, query string included; other words stop at
# punctuation; a quoted value after "=" (tag="View Lock") is one piece, a parameter as in
# logfmt; anything else is one punctuation piece.
_PIECE = re.compile(
    r"(\s*)(?:((?:[A-Za-z][\w+.-]*://|[A-Za-z]:\\|/)[^\s\"'()\[\]{},;]*|[^\s=,;:()\[\]{}\"'|]+)"
    r"|(?<==)(\"(?:[^\"\\]|\\.)*\")|(\S))"
)
_DIGIT = re.compile(r"\d")
_TYPED = re.compile(r"<[A-Z]+>|<\*>")
# Paths (/a, a/b/c, C:\a\b), URLs, Java-style component names (com.example.app/.MainActivity).
_PATH = re.compile(r"^/[\w.\-]|/[^/]*/|//|/.*\.|\..*/|\\.*\\")
_DOTTED = re.compile(r"^[\w\-$@]+(?:\.[\w\-$@]+){2,}$")
_OPEN = {")": "(", "]": "[", "}": "{"}
_GLUE = frozenset(":,;|")
# Words that belong to the number before them: sizes, durations, rates.
UNITS = frozenset(
    {
        *("b", "byte", "bytes", "kb", "mb", "gb", "tb", "pb", "kib", "mib", "gib", "tib"),
        *("ns", "us", "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute"),
        *("minutes", "h", "hr", "hrs", "hour", "hours", "d", "day", "days"),
        *("kbps", "mbps", "gbps"),
    }
)


# [separator before it, text shown, is a parameter]; mutable while a message is being cut.
_Piece = list[Any]


@dataclass(frozen=True, slots=True)
class Shape:
    """A message's grouping key (template words and ``<*>`` slots) and its display pieces."""

    key: tuple[str, ...]
    display: tuple[str, ...]
    # Display positions still showing raw digits (blk_-42, /dev/sda1): the values there can
    # differ between lines that mask alike.
    raw_digits: tuple[int, ...] = ()


def is_parameter(word: str) -> bool:
    """Whether ``word`` is a parameter by its form alone (digits, masks, paths, dotted names)."""
    if _DIGIT.search(word) or _TYPED.search(word):
        return True
    return bool(_PATH.search(word) or _DOTTED.match(word))


def _merge_into_last(out: list[_Piece], sep: str, shown: str) -> None:
    last = out[-1]
    last[1] = f"{last[1]}{sep}{shown}"
    last[2] = True


def _glued(out: list[_Piece], sep: str) -> bool:
    """Whether the last piece is glue punctuation between a parameter and the next one.

    ``0:1`` and ``3,4`` (a parameter, glue, a parameter, no spaces) are one value, and so is a
    list ``1, 2, 3`` (a comma may have a space after it), whatever its length.
    """
    if len(out) < 2 or (sep and out[-1][1] != ","):
        return False
    glue, before = out[-1], out[-2]
    return bool(before[2]) and not glue[2] and not glue[0] and glue[1] in _GLUE


def _typed_value(out: list[_Piece], opener_sep: str) -> bool:
    """Whether the pieces end in ``=Word`` glued to the bracket being closed."""
    if opener_sep or len(out) < 2:
        return False
    kind, equals = out[-1], out[-2]
    return not kind[2] and not kind[0] and equals[1] == "=" and not equals[2]


def shape_of(text: str, parameter: Callable[[str], bool] = is_parameter) -> Shape:
    """Return the grouping key and the display pieces of one masked message.

    ``parameter`` decides which words are parameters by form: ``is_parameter``, or a memo of
    it (``agent.logs.parsed``), since the same words recur in line after line.
    """
    out: list[_Piece] = []
    for match in _PIECE.finditer(text):
        sep, word, quoted, punct = match.groups()
        if quoted is not None:
            _append_parameter(out, sep, quoted)
            continue
        if word is not None:
            variable = parameter(word)
            if out and out[-1][2] and (variable or word.lower() in UNITS):
                _merge_into_last(out, sep, word)  # 4 KB, 1190 bytes, <NUM> <NUM>
            elif variable and _glued(out, sep):
                glue = out.pop()
                _merge_into_last(out, "", f"{glue[1]}{sep}{word}")
            else:
                out.append([sep, word, variable])
            continue
        opener = _OPEN.get(punct)
        if opener is not None and out and out[-1][1] == opener and not out[-1][2]:
            # () or [] holding nothing: an empty value
            empty = out.pop()
            _append_parameter(out, empty[0], f"{opener}{sep}{punct}")
        elif opener is not None and len(out) >= 2 and out[-1][2] and out[-2][1] == opener:
            inner, left = out.pop(), out.pop()
            bracket = f"{left[0]}{opener}{inner[0]}{inner[1]}{sep}{punct}"
            if _typed_value(out, left[0]):
                # key=Type{…}: a value written as a constructor (ws=WorkSource{10113})
                kind = out.pop()
                _append_parameter(out, kind[0], f"{kind[1]}{bracket}")
            else:
                _append_parameter(out, left[0], bracket[len(left[0]) :])
        else:
            out.append([sep, punct, False])
    key = tuple(WILDCARD if variable else piece for _, piece, variable in out)
    display = tuple(f"{sep}{piece}" for sep, piece, _ in out)
    raw = tuple(
        i for i, (_, piece, variable) in enumerate(out) if variable and _DIGIT.search(piece)
    )
    return Shape(key, display, raw)


def _append_parameter(out: list[_Piece], sep: str, shown: str) -> None:
    if out and out[-1][2]:
        _merge_into_last(out, sep, shown)
    else:
        out.append([sep, shown, True])
