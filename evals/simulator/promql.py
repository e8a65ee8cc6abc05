"""The alert expressions, as PromQL text and as a small evaluator over the generated samples.

The evaluator follows Prometheus 2.x semantics (closed range windows, ``extrapolatedRate``,
``bucketQuantile``) so the ``startsAt`` we write matches what Prometheus would compute from the
same ``metrics.om``; a test checks this against the real Prometheus.
"""

from __future__ import annotations

import math

from evals.simulator.openmetrics import MetricStore
from evals.simulator.scenario import AlertRule

RANGE_S = 300


def expression(rule: AlertRule) -> str:
    """The rule's PromQL expression, comparison included."""
    sel = f'namespace="shop", service="{rule.service}"'
    if rule.kind == "error_ratio":
        return (
            f'sum(rate(http_requests_total{{{sel}, code=~"5.."}}[5m])) / '
            f"sum(rate(http_requests_total{{{sel}}}[5m])) > {rule.threshold:g}"
        )
    return (
        f"histogram_quantile(0.99, sum by (le) "
        f"(rate(http_request_duration_seconds_bucket{{{sel}}}[5m]))) > {rule.threshold:g}"
    )


def _rate(samples: list[tuple[int, float]], t: float) -> float | None:
    """Prometheus' ``extrapolatedRate`` for a counter over ``[t - 5m, t]``."""
    lo = t - RANGE_S
    pts = [(ts, v) for ts, v in samples if lo <= ts <= t]
    if len(pts) < 2:
        return None
    result, prev = 0.0, pts[0][1]
    for _, v in pts[1:]:
        result += v - prev if v >= prev else v
        prev = v
    first_t, first_v = pts[0]
    last_t = pts[-1][0]
    sampled = last_t - first_t
    to_start, to_end = first_t - lo, t - last_t
    avg = sampled / (len(pts) - 1)
    if result > 0 and first_v >= 0:
        to_start = min(to_start, sampled * (first_v / result))
    extrapolate = float(sampled)
    extrapolate += to_start if to_start < avg * 1.1 else avg / 2
    extrapolate += to_end if to_end < avg * 1.1 else avg / 2
    return result * (extrapolate / sampled) / RANGE_S


def _sum_rate(
    store: MetricStore, name: str, t: float, service: str, keep: str | None = None
) -> dict[str, float]:
    """``sum by (keep) (rate(name{service}[5m]))`` ("" groups everything)."""
    out: dict[str, float] = {}
    for labels, samples in store.select(name, namespace="shop", service=service):
        r = _rate(samples, t)
        if r is None:
            continue
        key = labels.get(keep, "") if keep else ""
        if keep == "code" and not key.startswith("5"):
            key = "other"
        out[key] = out.get(key, 0.0) + r
    return out


def _quantile(q: float, buckets: dict[str, float]) -> float:
    """Prometheus' ``bucketQuantile``."""
    bounds = sorted((float(le), c) for le, c in buckets.items())
    if len(bounds) < 2 or bounds[-1][0] != math.inf or bounds[-1][1] == 0:
        return math.nan
    counts = [c for _, c in bounds]
    for i in range(1, len(counts)):
        counts[i] = max(counts[i], counts[i - 1])
    rank = q * counts[-1]
    b = next(i for i, c in enumerate(counts) if c >= rank)
    if b == len(counts) - 1:
        return bounds[-2][0]
    if b == 0 and bounds[0][0] <= 0:
        return bounds[0][0]
    start = 0.0 if b == 0 else bounds[b - 1][0]
    below = 0.0 if b == 0 else counts[b - 1]
    return start + (bounds[b][0] - start) * ((rank - below) / (counts[b] - below))


def value(store: MetricStore, rule: AlertRule, t: float) -> float:
    """The left-hand side of the rule's comparison at ``t`` (NaN when there is no data)."""
    if rule.kind == "error_ratio":
        by_code = _sum_rate(store, "http_requests_total", t, rule.service, "code")
        total = sum(by_code.values())
        errors = sum(v for k, v in by_code.items() if k != "other")
        has_errors = any(k != "other" for k in by_code)
        return errors / total if total > 0 and has_errors else math.nan
    buckets = _sum_rate(store, "http_request_duration_seconds_bucket", t, rule.service, "le")
    return _quantile(0.99, buckets)


def active_since(store: MetricStore, rule: AlertRule, times: list[float]) -> float | None:
    """The first of ``times`` from which the condition holds at every later time, if any."""
    since: float | None = None
    for t in times:
        v = value(store, rule, t)
        holds = not math.isnan(v) and v > rule.threshold
        since = (since if since is not None else t) if holds else None
    return since
