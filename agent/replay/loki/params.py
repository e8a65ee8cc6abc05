"""Parse Loki HTTP query parameters (times, durations, limit, direction) as Loki does."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from agent.replay.loki.errors import QueryError
from agent.replay.loki.units import parse_duration_ns

MAX_ENTRIES_LIMIT = 5000
MAX_POINTS = 11_000
DEFAULT_LIMIT = 100
_NS = 1_000_000_000


def parse_time(name: str, value: str | None, default_ns: int) -> int:
    """Parse a timestamp: integer ns (≤10 digits: seconds), float seconds or RFC3339.

    Raises:
        QueryError: the value is none of these.
    """
    if not value:
        return default_ns
    if "." in value:
        try:
            seconds = float(value)
        except ValueError:
            pass
        else:
            whole = math.floor(seconds)
            # Loki keeps millisecond precision of fractional seconds.
            return whole * _NS + round((seconds - whole) * 1000) * 1_000_000
    try:
        number = int(value)
    except ValueError:
        return _parse_rfc3339(name, value)
    return number * _NS if len(value.lstrip("-")) <= 10 else number


def _parse_rfc3339(name: str, value: str) -> int:
    text = value.replace("Z", "+00:00").replace("z", "+00:00")
    main, dot, rest = text.partition(".")
    nanos = 0
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        fraction, rest = rest[:digits], rest[digits:]
        nanos = int((fraction + "000000000")[:9]) if fraction else 0
    try:
        moment = datetime.fromisoformat(main + rest)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or (dot and not rest):
        raise QueryError(f'invalid parameter "{name}": cannot parse "{value}" to a valid timestamp')
    return int(moment.timestamp()) * _NS + nanos


def parse_seconds_or_duration(name: str, value: str) -> int:
    """Parse ``30s``/``1m`` or a float number of seconds into nanoseconds.

    Raises:
        QueryError: the value is neither.
    """
    try:
        return round(float(value) * _NS)
    except ValueError:
        pass
    ns = parse_duration_ns(value)
    if ns is None:
        raise QueryError(f'invalid parameter "{name}": cannot parse "{value}" to a valid duration')
    return ns


def parse_limit(value: str | None) -> int:
    """Parse ``limit`` (default 100), enforcing Loki's ``max_entries_limit_per_query``.

    Raises:
        QueryError: not a positive integer, or above the limit.
    """
    if not value:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise QueryError(
            f'invalid parameter "limit": cannot parse "{value}" as an integer'
        ) from None
    if limit <= 0:
        raise QueryError("limit must be a positive value")
    if limit > MAX_ENTRIES_LIMIT:
        raise QueryError(
            "max entries limit per query exceeded, limit > max_entries_limit "
            f"({limit} > {MAX_ENTRIES_LIMIT})"
        )
    return limit


def parse_direction(value: str | None) -> Literal["forward", "backward"]:
    """Parse ``direction`` (default ``backward``).

    Raises:
        QueryError: neither ``forward`` nor ``backward``.
    """
    direction = (value or "backward").lower()
    if direction == "forward":
        return "forward"
    if direction == "backward":
        return "backward"
    raise QueryError(
        f'invalid parameter "direction": must be "forward" or "backward", not "{value}"'
    )


def time_range(
    start: str | None, end: str | None, since: str | None, now_ns: int, lookback_ns: int
) -> tuple[int, int]:
    """Resolve ``start``/``end``/``since`` into ``(start_ns, end_ns)``; ``end`` defaults to now.

    Raises:
        QueryError: a bad value, or ``end`` before ``start``.
    """
    end_ns = parse_time("end", end, now_ns)
    if since:
        lookback_ns = parse_seconds_or_duration("since", since)
    start_ns = parse_time("start", start, end_ns - lookback_ns)
    if end_ns < start_ns:
        raise QueryError("end timestamp must not be before or equal to start time")
    return start_ns, end_ns


def step_times(start_ns: int, end_ns: int, step: str | None) -> list[int]:
    """The evaluation times of a range query: ``start``, ``start + step`` … ``≤ end``.

    The default step is Loki's: the range divided by 250, at least one second.

    Raises:
        QueryError: a non-positive step, or more than 11,000 points.
    """
    if step:
        step_ns = parse_seconds_or_duration("step", step)
    else:
        step_ns = max((end_ns - start_ns) // 250 // _NS, 1) * _NS
    if step_ns <= 0:
        raise QueryError(
            "zero or negative query resolution step widths are not accepted. Try a positive integer"
        )
    if (end_ns - start_ns) // step_ns >= MAX_POINTS:
        raise QueryError(
            "exceeded maximum resolution of 11,000 points per timeseries. "
            "Try decreasing the query resolution (?step=XX)"
        )
    return list(range(start_ns, end_ns + 1, step_ns))
