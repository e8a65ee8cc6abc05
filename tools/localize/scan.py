"""The metric half of a localisation: discover, fetch, find the onset, score (metrics and edges)."""

from __future__ import annotations

import itertools
import statistics
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.errors import BackendError
from tools.clients import PrometheusReader

from . import edges, metrics
from .families import Family, families
from .frame import Frame, step_seconds
from .limits import LIMIT_LEVEL, limit_queries
from .onset import alert_signal, onset, run_start
from .ratios import ERROR_LEVEL, error_share_queries
from .series import Series, score, try_fetch
from .signals import Signal
from .workloads import Workloads

# Scrape interval assumed when it cannot be measured (Prometheus' default).
DEFAULT_INTERVAL = 60.0
_PARALLEL = 4  # concurrent range queries


@dataclass
class MetricScan:
    """What the metric scan found: signals, the onset and what could not be read."""

    signals: list[Signal] = field(default_factory=list)
    onset: datetime | None = None
    onset_basis: str = ""
    # Where finer sources (traces, logs) split: a sampled onset is the first anomalous
    # sample, so the change happened within the step before it (see ``find_onset``).
    fine_onset: datetime | None = None
    frame: Frame | None = None
    families: int = 0
    series: int = 0
    queries: list[str] = field(default_factory=list)
    calls: set[tuple[str, str]] = field(default_factory=set)
    gaps: list[str] = field(default_factory=list)


def _interval(prom: PrometheusReader, series: dict[str, str], end: datetime) -> float:
    """The scrape interval: the median gap between one series' raw samples (last 10 minutes).

    A range selector in an instant query returns the raw samples with their timestamps; the
    series is named by its full label set, so exactly one comes back.
    """
    matchers = ", ".join(
        f'{k}="{_escape(v)}"' for k, v in sorted(series.items()) if k != "__name__"
    )
    query = f"{series.get('__name__', '')}{{{matchers}}}[10m]"
    try:
        body = prom.query(query, end).body
        stamps = sorted(float(v[0]) for v in (body[0].get("values") or [])) if body else []
    except (BackendError, KeyError, IndexError, TypeError, ValueError, AttributeError):
        return DEFAULT_INTERVAL
    gaps = [b - a for a, b in itertools.pairwise(stamps) if b > a]
    return statistics.median(gaps) if gaps else DEFAULT_INTERVAL


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def scan(
    prom: PrometheusReader,
    selector: str,
    start: datetime,
    end: datetime,
    anchor: datetime,
    expression: str | None,
    workloads: Workloads,
    onset_override: datetime | None = None,
) -> MetricScan:
    """Scan every family matching ``selector`` over ``[start, end]`` around ``anchor``."""
    out = MetricScan()
    try:
        listed = prom.series([f"{{{selector}}}"], start, end)
    except BackendError as exc:
        out.gaps.append(f"metrics: series discovery failed ({exc})")
        return out
    found = families(listed)
    keyed = [f for f in found if f.key is not None or f.edge() is not None]
    out.families = len(keyed)
    if not keyed:
        out.gaps.append(f"metrics: no per-workload metric families match {{{selector}}}")
        return out
    sample = next(s for s in listed if s.get("__name__") == keyed[0].name)
    frame = Frame(start, end, anchor, step_seconds(start, end, _interval(prom, sample, end)))
    out.frame = frame
    planned: list[tuple[Family, str, str]] = []
    for family in keyed:
        if family.edge() is not None:
            query, role = edges.edge_query(family, selector, frame), "edge"
        else:
            query, role = metrics.family_query(family, selector, frame), "metric"
        if query is not None:
            planned.append((family, query, role))
    names = {str(s.get("__name__", "")) for s in listed}
    planned += [(f, q, "limit") for f, q in limit_queries(names, selector, frame)]
    planned += [(f, q, "share") for f, q in error_share_queries(keyed, selector, frame)]
    signal_query = alert_signal(expression) if expression else None
    with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:
        alert_future = pool.submit(try_fetch, prom, signal_query, frame) if signal_query else None
        fetched = list(pool.map(lambda p: try_fetch(prom, p[1], frame), planned))
        alert_series, alert_gap = alert_future.result() if alert_future else ([], None)
    for _, gap in fetched:
        if gap:
            out.gaps.append(f"metrics: {gap}")
    if alert_gap:
        out.gaps.append(f"alert expression: {alert_gap}")
    all_series = [s for got, _ in fetched for s in got]
    out.series = len(all_series)
    out.queries = [q for _, q, _ in planned]
    out.onset, out.onset_basis, sampled = find_onset(
        alert_series, all_series, anchor, onset_override, frame
    )
    out.fine_onset = out.onset - timedelta(seconds=frame.step_seconds) if sampled else out.onset
    cut = out.onset.timestamp()
    metric_results = []
    edge_results = []
    for (family, query, role), (got, _) in zip(planned, fetched, strict=True):
        level = {"limit": LIMIT_LEVEL, "share": ERROR_LEVEL}.get(role, 0.0)
        scored = [score(s, cut, anchor.timestamp(), level) for s in got]
        if role == "edge":
            edge_results.append(edges.EdgeResult(family, query, scored, cut))
        else:
            metric_results.append(metrics.FamilyResult(family, query, scored))
    tz = anchor.tzinfo
    edge_signals, out.calls = edges.signals(edge_results, workloads, tz)
    out.signals = metrics.signals(metric_results, workloads, tz) + edge_signals
    return out


def find_onset(
    alert_series: list[Series],
    scanned: list[Series],
    anchor: datetime,
    override: datetime | None,
    frame: Frame,
) -> tuple[datetime, str, bool]:
    """The onset, what it was found from, and whether it is a sample's time.

    A run starts at its first anomalous sample; the change itself happened within the step
    before that sample, which a per-step series cannot resolve. Metrics are split there
    (that sample is the first of the anomalous part), finer sources one step earlier, so that
    their baseline does not hold the change.
    """
    if override is not None:
        return override, "given by the caller", False
    at = anchor.timestamp()
    alert_starts = [s for s in (run_start(x.times, x.values, at) for x in alert_series) if s]
    if alert_starts:
        found = onset(anchor, alert_starts)
        return found, "start of the alert expression's anomalous run", True
    starts = [s for s in (run_start(x.times, x.values, at) for x in scanned) if s]
    if starts:
        found = onset(anchor, starts)
        return found, f"median start of the {len(starts)} signals anomalous at the alert", True
    fallback = anchor - timedelta(seconds=frame.step_seconds)
    return fallback, "one step before the alert (no signal was anomalous at it)", False
