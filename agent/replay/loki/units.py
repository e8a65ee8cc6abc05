"""Durations and byte sizes as LogQL and Loki's HTTP API write them."""

from __future__ import annotations

import re

_NS_PER_UNIT = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 7 * 86_400_000_000_000,
    "y": 365 * 86_400_000_000_000,
}
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h|d|w|y)")
_BYTES = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*([kmgtpe]?)(i?)(b?)\s*", re.IGNORECASE)
_GO_UNITS = frozenset({"ns", "us", "µs", "μs", "ms", "s", "m", "h"})


def parse_duration_ns(text: str, *, go_only: bool = False) -> int | None:
    """Parse ``1h30m``, ``250ms``, ``-1.5s`` (and ``d``/``w``/``y`` unless ``go_only``).

    ``go_only`` follows Go's ``time.ParseDuration``, which Loki uses for label values.
    Returns None when ``text`` is not a duration.
    """
    sign = 1
    body = text
    if body[:1] in "+-" and body:
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    if body == "0":
        return 0
    pos, total = 0, 0.0
    while pos < len(body):
        part = _DURATION_PART.match(body, pos)
        if part is None or (go_only and part.group(2) not in _GO_UNITS):
            return None
        total += float(part.group(1)) * _NS_PER_UNIT[part.group(2)]
        pos = part.end()
    return sign * round(total) if body else None


def parse_bytes(text: str) -> float | None:
    """Parse a humanized byte size (``10KB`` = 10,000, ``10KiB`` = 10,240, ``42``).

    Returns None when ``text`` is not a byte size.
    """
    match = _BYTES.fullmatch(text)
    if match is None:
        return None
    number, prefix, binary, _unit = match.groups()
    if binary and not prefix:
        return None
    if not prefix:
        return float(number)
    power = "kmgtpe".index(prefix.lower()) + 1
    base = 1024.0 if binary else 1000.0
    return float(number) * base**power
