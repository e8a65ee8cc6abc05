"""Compact, stable text for numbers and times in tool summaries."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def num(value: float) -> str:
    """Four significant digits, no exponent for everyday magnitudes (``0.0123``, ``1.235e+09``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.4g}"


def clock(seconds: float) -> str:
    """An epoch-seconds instant as RFC3339 UTC with second precision (``2024-05-01T14:02:00Z``)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clock_dt(moment: datetime) -> str:
    """An aware datetime as RFC3339 UTC with second precision."""
    return clock(moment.timestamp())


def labels_text(labels: dict[str, str]) -> str:
    """A label set in PromQL notation, ``__name__`` first as the metric name."""
    name = labels.get("__name__", "")
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{inner}}}"
