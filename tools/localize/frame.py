"""The analysis frame: which span is fetched, at what step, and where the onset splits it.

The frame is anchored on the alert, never on the wall clock: it ends a bounded time after the
alert started (or at the investigation's ``now`` if that is earlier) and reaches back a
lookback before it, so an alert that has fired for hours is analysed around its start, inside
the policy's range limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# How much after the alert's start the anomalous part may extend: enough to see the fault
# develop, short enough that recovery or a later, unrelated episode does not dilute it.
AFTER_ALERT = timedelta(minutes=15)
# Range queries return at most about this many points per series.
MAX_POINTS = 240


@dataclass(frozen=True, slots=True)
class Frame:
    """Fetch span, step and the alert anchor of one localisation."""

    start: datetime
    end: datetime
    anchor: datetime
    step_seconds: float

    @property
    def step(self) -> str:
        """The range-query step."""
        return f"{max(1, round(self.step_seconds))}s"

    def rate_range(self) -> str:
        """A rate window holding at least two samples: three steps."""
        return f"{max(1, round(3 * self.step_seconds))}s"


def anchored(
    anchor: datetime, now: datetime, lookback: timedelta, max_range: timedelta
) -> tuple[datetime, datetime]:
    """``(start, end)``: ``lookback`` before the anchor to a bounded time after it.

    The end is the earlier of ``now`` and the anchor plus ``AFTER_ALERT``; the span never
    exceeds ``max_range`` (the lookback gives way first).
    """
    end = min(now, anchor + AFTER_ALERT)
    if end <= anchor:
        end = anchor + timedelta(seconds=1)
    start = max(anchor - lookback, end - max_range)
    return start, end


def step_seconds(start: datetime, end: datetime, interval: float) -> float:
    """The scrape interval, coarsened so the span holds at most ``MAX_POINTS`` points."""
    span = (end - start).total_seconds()
    return max(interval, span / MAX_POINTS, 1.0)
