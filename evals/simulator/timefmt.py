"""Timestamp formatting shared by every generator."""

from __future__ import annotations

from datetime import UTC, datetime


def parse(text: str) -> float:
    """Epoch seconds of an RFC3339 timestamp."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def rfc3339(t: float) -> str:
    """RFC3339 with second precision, e.g. ``2025-11-18T13:00:00Z``."""
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_nano(ts_ns: int) -> str:
    """RFC3339 with nanoseconds, as Loki prints it."""
    secs, nanos = divmod(ts_ns, 1_000_000_000)
    return datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


def millis(t: float) -> str:
    """``2025-11-18T13:00:00.123Z``."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def java(t: float) -> str:
    """``2025-11-18 13:00:00.123`` as Logback prints it."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
