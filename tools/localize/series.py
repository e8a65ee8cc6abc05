"""Fetch range series and score them against the pre-onset baseline (shared by metrics and edges)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.errors import BackendError
from tools.clients import PrometheusReader
from tools.summarise.series import downsample

from .frame import Frame
from .onset import run_start
from .robust import shift


@dataclass(frozen=True, slots=True)
class Series:
    """One fetched series: labels and points (epoch seconds, value)."""

    labels: dict[str, str]
    times: list[float]
    values: list[float]


@dataclass(frozen=True, slots=True)
class Scored:
    """A series' change at the onset."""

    series: Series
    z: float
    before: float
    after: float
    started: float | None


def fetch(prom: PrometheusReader, query: str, frame: Frame) -> list[Series]:
    """Run a range query over the frame; non-numeric samples become NaN.

    Raises:
        BackendError: Prometheus failed or rejected the query.
    """
    fetched = prom.query_range(query, frame.start, frame.end, frame.step)
    out = []
    for item in fetched.body if isinstance(fetched.body, list) else []:
        times: list[float] = []
        values: list[float] = []
        for ts, raw in item.get("values") or []:
            times.append(float(ts))
            values.append(_number(raw))
        if times:
            out.append(
                Series(
                    {str(k): str(v) for k, v in (item.get("metric") or {}).items()}, times, values
                )
            )
    return out


def try_fetch(prom: PrometheusReader, query: str, frame: Frame) -> tuple[list[Series], str | None]:
    """``fetch``, with a failure returned as a gap text instead of raised."""
    try:
        return fetch(prom, query, frame), None
    except BackendError as exc:
        return [], f"{query}: {exc}"


def _number(raw: Any) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return math.nan


def score(series: Series, onset: float, anchor: float, level: float = 0.0) -> Scored:
    """The series' robust z at ``onset``: points before it are the baseline, the rest anomalous.

    ``level`` raises the scale's relative floor (see ``robust_z``).
    """
    base = [v for t, v in zip(series.times, series.values, strict=True) if t < onset]
    after = [v for t, v in zip(series.times, series.values, strict=True) if t >= onset]
    z, before_median, after_median = shift(base, after, level)
    return Scored(
        series=series,
        z=z,
        before=before_median,
        after=after_median,
        started=run_start(series.times, series.values, max(anchor, onset)),
    )


def chart_points(series: Series) -> tuple[tuple[float, float], ...]:
    """The series' finite points, downsampled to what a chart of it needs."""
    points = [(t, v) for t, v in zip(series.times, series.values, strict=True) if math.isfinite(v)]
    return downsample(points)


def started_at(scored: Scored, tz: Any) -> datetime | None:
    """When a scored series' anomalous run began, as a datetime."""
    return None if scored.started is None else datetime.fromtimestamp(scored.started, tz)
