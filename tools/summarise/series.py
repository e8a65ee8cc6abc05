"""Summarise numeric series (Prometheus or LogQL matrices): stats, baseline, change point, rank.

The *baseline* is every point before ``split`` (the incident window's start) and the *window* is
every point from ``split`` on: callers query an equal-length span before the window so both
halves are comparable. Series are ranked by how far the window departs from the baseline.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .changepoint import ChangePoint, detect_change
from .numbers import clock, labels_text, num


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """Facts about one series."""

    labels: dict[str, str]
    points: int
    minimum: float
    maximum: float
    mean: float
    last: float
    last_ts: float
    first_ts: float
    window_mean: float | None
    baseline_mean: float | None
    change: ChangePoint | None
    change_ts: float | None
    deviation: float
    # At most ``CHART_POINTS`` (time, value) pairs of the fetched series, for charts.
    samples: tuple[tuple[float, float], ...] = ()

    def facts(self, *, points: bool = False) -> dict[str, Any]:
        """JSON-ready facts; with ``points``, the downsampled series as ``[[unix, value], ...]``."""
        facts: dict[str, Any] = {
            "labels": self.labels,
            "min": self.minimum,
            "max": self.maximum,
            "mean": self.mean,
            "last": self.last,
            "first_at": clock(self.first_ts),
            "window_mean": self.window_mean,
            "baseline_mean": self.baseline_mean,
        }
        if self.change is not None and self.change_ts is not None:
            facts["change"] = {
                "at": clock(self.change_ts),
                "before": self.change.before,
                "after": self.change.after,
            }
        if points:
            facts["points"] = [[int(t), float(f"{v:.4g}")] for t, v in self.samples]
        return facts

    def line(self) -> str:
        """One line of text for the model."""
        text = (
            f"{labels_text(self.labels)}: last {num(self.last)} at {clock(self.last_ts)} "
            f"(min {num(self.minimum)}, max {num(self.maximum)}, mean {num(self.mean)})"
        )
        if self.window_mean is not None and self.baseline_mean is not None:
            text += f"; window mean {num(self.window_mean)} vs baseline {num(self.baseline_mean)}"
        elif self.window_mean is not None:
            text += "; no baseline points (series new in the window)"
        if self.change is not None and self.change_ts is not None:
            text += (
                f"; level change at {clock(self.change_ts)}: "
                f"{num(self.change.before)} → {num(self.change.after)}"
            )
        return text


# Enough points to draw the shape of a series around its onset (a chart ~600 px wide), few
# enough that a handful of series stay small in the call record.
CHART_POINTS = 60
# Series per result that carry their points: the ones deviating most, which evidence quotes.
CHARTED_SERIES = 3


def downsample(
    points: Sequence[tuple[float, float]], limit: int = CHART_POINTS
) -> tuple[tuple[float, float], ...]:
    """At most ``limit`` points: per equal-count bucket, the point farthest from the bucket mean.

    Keeping the most extreme point of each bucket (rather than its average) keeps spikes and the
    edges of a step visible, which is what a chart of an incident is for.
    """
    if len(points) <= limit:
        return tuple(points)
    size = len(points) / limit
    kept = []
    for bucket in range(limit):
        chunk = points[int(bucket * size) : int((bucket + 1) * size)]
        mean = statistics.fmean(v for _, v in chunk)
        kept.append(max(chunk, key=lambda p: abs(p[1] - mean)))
    return tuple(kept)


def charted(summaries: Sequence[SeriesSummary]) -> list[dict[str, Any]]:
    """The facts of ``summaries``; the first ``CHARTED_SERIES`` carry their points."""
    return [s.facts(points=i < CHARTED_SERIES) for i, s in enumerate(summaries)]


def _floats(values: Sequence[Sequence[Any]]) -> list[tuple[float, float]]:
    points = []
    for ts, raw in values:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            continue
        if not math.isnan(value):
            points.append((float(ts), value))
    return points


def deviation(window: Sequence[float], baseline: Sequence[float]) -> float:
    """How unusual the window is against the baseline, in baseline standard deviations.

    A relative floor on the spread keeps a perfectly flat baseline from making any wiggle
    infinite; a series absent from the baseline ranks above everything measurable.
    """
    if not window:
        return 0.0
    if not baseline:
        return math.inf
    base = statistics.fmean(baseline)
    spread = statistics.pstdev(baseline) if len(baseline) > 1 else 0.0
    floor = max(spread, 0.05 * abs(base), 1e-9)
    return abs(statistics.fmean(window) - base) / floor


def summarise_series(
    labels: dict[str, str], values: Sequence[Sequence[Any]], split: float | None
) -> SeriesSummary | None:
    """Summarise one matrix series; ``None`` when it has no numeric points."""
    points = _floats(values)
    if not points:
        return None
    numbers = [v for _, v in points]
    window = [v for t, v in points if split is None or t >= split]
    baseline = [v for t, v in points if split is not None and t < split]
    # Segments of at least 5% of the range: the warm-up ramp of rate() over a series that only
    # starts in the range should not register as the change.
    change = detect_change(numbers, min_segment=max(3, len(numbers) // 20))
    change_ts = points[change.index][0] if change is not None else None
    # Without a baseline, rank by the size of the step inside the range.
    step_score = change.score if change is not None else 0.0
    dev = deviation(window, baseline) if baseline else step_score
    return SeriesSummary(
        labels=labels,
        points=len(points),
        minimum=min(numbers),
        maximum=max(numbers),
        mean=statistics.fmean(numbers),
        last=points[-1][1],
        last_ts=points[-1][0],
        first_ts=points[0][0],
        window_mean=statistics.fmean(window) if window else None,
        baseline_mean=statistics.fmean(baseline) if baseline else None,
        change=change,
        change_ts=change_ts,
        deviation=dev,
        samples=downsample(points),
    )


def summarise_matrix(result: Sequence[dict[str, Any]], split: float | None) -> list[SeriesSummary]:
    """Summarise every series of a matrix, most deviating first (then by label text)."""
    summaries = []
    for item in result:
        values = item.get("values") or ([item["value"]] if "value" in item else [])
        summary = summarise_series(dict(item.get("metric") or {}), values, split)
        if summary is not None:
            summaries.append(summary)
    summaries.sort(key=lambda s: (-s.deviation, labels_text(s.labels)))
    return summaries
