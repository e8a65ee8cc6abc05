"""The record every source produces: one signal of one component, with its evidence.

A signal says which series (or trace operation, or log template) moved, how far from its
baseline (medians before and after, a robust z), how unusual that is among the peers that
report the same thing (``score``, the standardised number the ranking compares), when it
started, and the exact query that shows it again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tools.summarise.numbers import clock_dt, num

from .series import Series, chart_points

Source = Literal["metrics", "edges", "traces", "logs"]
# What a signal measures, from its name (Prometheus naming conventions put the unit and the
# subject in the name): resource use, latency, errors, traffic or network I/O.
# ``waiting`` is latency measured on the client side of outbound calls: time the component
# spent waiting on its callees.
Aspect = Literal["resource", "latency", "waiting", "errors", "traffic", "network", "other"]

_ASPECTS: tuple[tuple[str, Aspect], ...] = (
    (r"error|fail|exception|5xx|panic|fatal", "errors"),
    (r"cpu|memory|mem_|heap|gc_|disk|fs_|filesystem|throttl|oom|swap|load", "resource"),
    (r"network|_bytes_total|packets|receive|transmit|tcp|socket", "network"),
    # A summary's or histogram's ``_count`` counts requests, whatever unit its name carries.
    (r"_count\b", "traffic"),
    (r"duration|latency|_seconds|response_time|time_ms|_milliseconds", "latency"),
    (r"requests?|calls|_count|_total|throughput|rps", "traffic"),
)


# The client side of a call, in metric names (``http_client_…``, ``grpc_client_…``, OTel's
# ``rpc.client.duration`` as ``rpc_client_duration``): what such a timer measures is the callee.
_CLIENT_SIDE = re.compile(r"(^|_)client(_|$)")


def own_aspect(name: str) -> Aspect:
    """What a per-workload metric says about the workload that exports it.

    Like ``aspect_of``, except that client-side latency is ``waiting``: the exporter's time
    spent on its outbound calls, which locates a fault at or below its callees.
    """
    aspect = aspect_of(name)
    return "waiting" if aspect == "latency" and client_side(name) else aspect


def client_side(name: str) -> bool:
    """Whether a metric name measures the client side of outbound calls (see ``_CLIENT_SIDE``)."""
    return _CLIENT_SIDE.search(name.lower()) is not None


def aspect_of(name: str) -> Aspect:
    """What a metric (or signal) name measures; ``other`` when the name does not say."""
    lowered = name.lower()
    for pattern, aspect in _ASPECTS:
        if re.search(pattern, lowered):
            return aspect
    return "other"


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of localisation evidence about one component."""

    component: str
    source: Source
    name: str
    score: float
    z: float
    before: float
    after: float
    started: datetime | None
    query: str
    aspect: Aspect = "other"
    detail: str = ""
    # False for a change that spreads along calls both ways (a code path: a callee's wrong
    # answer changes its caller's path, a caller's changed requests its callee's), which
    # therefore explains no caller.
    directed: bool = True
    # The series behind a metric or edge signal, for a chart (downsampled only when drawn).
    series: Series | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        """One line of text for the model."""
        since = f" since {clock_dt(self.started)}" if self.started else ""
        direction = "↑" if self.after >= self.before else "↓"
        text = (
            f"{self.source}: {self.name} {num(self.before)} → {num(self.after)} {direction} "
            f"(z {self.z:+.1f}, {self.score:.1f} against peers){since}"
        )
        return text + (f"; {self.detail}" if self.detail else "") + f" | query: {self.query}"

    def facts(self) -> dict[str, Any]:
        """JSON-ready facts."""
        return {
            "source": self.source,
            "name": self.name,
            "aspect": self.aspect,
            "score": round(self.score, 3),
            "z": round(self.z, 3),
            "before": self.before,
            "after": self.after,
            "started": clock_dt(self.started) if self.started else None,
            "query": self.query,
            "detail": self.detail,
        }

    def chart(self, onset: datetime) -> dict[str, Any] | None:
        """The signal as a chartable series (the console's shape), or ``None`` without points.

        The baseline is everything before ``onset``; the change is drawn where the signal's
        anomalous run started (at the onset when it has no run of its own: that is where it
        was split and scored), from the baseline median to the anomalous one.
        """
        points = chart_points(self.series) if self.series is not None else ()
        if len(points) < 2:
            return None
        chart: dict[str, Any] = {
            "subject": self.component,
            "signal": self.name,
            "labels": {"component": self.component, "signal": self.name},
            "points": [[int(t), float(f"{v:.4g}")] for t, v in points],
            "window_start": clock_dt(onset),
            "baseline_mean": self.before,
            "window_mean": self.after,
        }
        if math.isfinite(self.before) and math.isfinite(self.after):
            chart["change"] = {
                "at": clock_dt(self.started or onset),
                "before": self.before,
                "after": self.after,
            }
        return chart
