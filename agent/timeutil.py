"""Time parsing shared by the bundle loader, the replay servers and the tools.

Python's ``datetime`` stops at microseconds; Loki and OTLP speak nanoseconds, so nanosecond
timestamps are kept as ``int`` and parsed here without going through ``datetime``'s fraction.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_RFC3339 = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})"
    r"(?:\.(?P<frac>\d{1,9}))?"
    r"(?P<tz>[Zz]|[+-]\d{2}:\d{2})$"
)

_NS_PER_S = 1_000_000_000


def parse_rfc3339_ns(text: str) -> int:
    """Parse an RFC3339 timestamp with up to nanosecond precision into epoch nanoseconds.

    Raises:
        ValueError: the text is not an RFC3339 timestamp with a time zone.
    """
    match = _RFC3339.match(text.strip())
    if match is None:
        raise ValueError(f"not an RFC3339 timestamp with a time zone: {text!r}")
    tz = match["tz"].upper()
    base = datetime.fromisoformat(match["base"].replace("t", "T") + ("+00:00" if tz == "Z" else tz))
    frac = (match["frac"] or "").ljust(9, "0")
    return int(base.timestamp()) * _NS_PER_S + int(frac)


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC3339 timestamp into an aware ``datetime`` (microsecond precision)."""
    ns = parse_rfc3339_ns(text)
    return datetime.fromtimestamp(ns // _NS_PER_S, UTC).replace(
        microsecond=(ns % _NS_PER_S) // 1000
    )


def to_ns(moment: datetime) -> int:
    """Epoch nanoseconds of an aware datetime."""
    return int(moment.timestamp()) * _NS_PER_S + moment.microsecond * 1000


def format_rfc3339(moment: datetime) -> str:
    """Format an aware datetime as RFC3339 in UTC with a ``Z`` suffix."""
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
