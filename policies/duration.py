"""Prometheus-style durations (``90s``, ``1h30m``, ``7d``) shared by the policy file and queries."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "y": timedelta(days=365),
}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_WHOLE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")


def parse_duration(text: str) -> timedelta:
    """Parse a Prometheus duration such as ``5m`` or ``1h30m``.

    Raises:
        ValueError: the text is not a duration (units ms, s, m, h, d, w, y).
    """
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"not a duration (expected e.g. 30m, 6h, 1h30m): {text!r}")
    total = timedelta()
    for number, unit in _PART.findall(text):
        total += int(number) * _UNITS[unit]
    return total


def format_duration(value: timedelta) -> str:
    """Render a duration compactly (``6h``, ``1h30m``, ``45s``) for messages."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
