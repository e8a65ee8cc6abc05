"""Time inputs shared by the tools: optional start/end, a lookback, resolved on the agent clock."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import AwareDatetime, Field, model_validator

from .base import TimeSpan, ToolContext, ToolInput

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = r"^(\d+[smhd])+$"


def parse_duration(text: str) -> timedelta:
    """Parse ``"30m"``, ``"2h"``, ``"1h30m"``, ``"90s"`` or ``"1d"``.

    Raises:
        ValueError: the text is not such a duration, or is zero.
    """
    text = text.strip()
    if not re.fullmatch(DURATION_PATTERN, text):
        raise ValueError(f"not a duration like 30m, 2h or 1h30m: {text!r}")
    seconds = sum(int(n) * _UNITS[u] for n, u in _DURATION.findall(text))
    if seconds == 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return timedelta(seconds=seconds)


def step_for(span: TimeSpan, points: int = 120) -> str:
    """A range-query step giving about ``points`` points, at least 15 seconds."""
    seconds = (span.end - span.start).total_seconds()
    return f"{max(15, int(seconds // points))}s"


def baseline_of(span: TimeSpan) -> TimeSpan:
    """The equal-length span right before ``span``."""
    return TimeSpan(start=span.start - (span.end - span.start), end=span.start)


class TimeRangeInput(ToolInput):
    """Tool input with an optional time range; unset parts default from the agent's clock."""

    start: AwareDatetime | None = Field(
        default=None, description="Range start (RFC3339). Default: end minus lookback."
    )
    end: AwareDatetime | None = Field(
        default=None, description="Range end (RFC3339). Default: the investigation's now."
    )
    lookback: str | None = Field(
        default=None,
        pattern=DURATION_PATTERN,
        description="How far back from end to look when start is not given, e.g. 30m, 2h.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> TimeRangeInput:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        if self.lookback is not None:
            parse_duration(self.lookback)
        return self

    def span(self, ctx: ToolContext, default: timedelta = timedelta(hours=1)) -> TimeSpan:
        """The resolved range: explicit bounds win, then the lookback, then ``default``."""
        length = parse_duration(self.lookback) if self.lookback else default
        return ctx.window(self.start, self.end, length)
