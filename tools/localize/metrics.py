"""Per-workload metric signals: every family in scope, scored at the onset, normalised by peers.

Counters become per-step rates (``irate`` over three steps, so a reset is handled by
Prometheus and the onset is not smeared), histograms their p90 (``histogram_quantile``),
summaries keep each exported quantile, gauges their per-workload maximum. Each series is
aggregated by the label naming its workload (pod first), scored with a robust z at the onset
(``robust``), and the z of one metric is then compared across the workloads exporting it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo

from .families import Family
from .frame import Frame
from .robust import peer_scores
from .series import Scored, Series, started_at
from .signals import Signal, own_aspect
from .workloads import Workloads

# The quantile a histogram is read at: high enough to show tail latency, low enough that
# a few slow requests in a quiet minute do not make it.
HISTOGRAM_QUANTILE = 0.9


def aggregate(family: Family, keys: str, selector: str, frame: Frame) -> str:
    """PromQL giving ``family`` aggregated by the label list ``keys`` over the frame's steps."""
    sel = f"{family.name}{{{selector}}}"
    rate = frame.rate_range()
    if family.kind == "counter":
        return f"sum by ({keys}) (irate({sel}[{rate}]))"
    if family.kind == "histogram":
        return (
            f"histogram_quantile({HISTOGRAM_QUANTILE}, sum by ({keys}, le) (irate({sel}[{rate}])))"
        )
    if family.kind == "summary":
        return f"max by ({keys}, quantile) ({sel})"
    return f"max by ({keys}) ({sel})"


def family_query(family: Family, selector: str, frame: Frame) -> str | None:
    """The PromQL that gives ``family`` per workload over the frame, or ``None`` if unkeyed."""
    key = family.key
    return None if key is None else aggregate(family, key, selector, frame)


def metric_name(family: Family, labels: dict[str, str]) -> str:
    """The signal's name: the family, its quantile, and how it was derived."""
    if family.kind == "counter":
        return f"rate({family.name})"
    if family.kind == "histogram":
        return f"p{round(HISTOGRAM_QUANTILE * 100)}({family.name.removesuffix('_bucket')})"
    if family.kind == "summary" and labels.get("quantile"):
        return f'{family.name}{{quantile="{labels["quantile"]}"}}'
    return family.name


@dataclass(frozen=True, slots=True)
class FamilyResult:
    """The scored series of one family's query."""

    family: Family
    query: str
    scored: list[Scored]


def signals(
    results: Iterable[FamilyResult],
    workloads: Workloads,
    tz: tzinfo | None,
) -> list[Signal]:
    """Peer-normalised signals: one per (metric, workload), the workload's strongest series."""
    best: dict[str, dict[str, tuple[Scored, FamilyResult]]] = defaultdict(dict)
    for result in results:
        key = result.family.key or ""
        for item in result.scored:
            workload = workloads.of_labels(item.series.labels) if key else None
            if not workload:
                continue
            name = metric_name(result.family, item.series.labels)
            held = best[name].get(workload)
            if held is None or abs(item.z) > abs(held[0].z):
                best[name][workload] = (item, result)
    out = []
    for name, per_workload in best.items():
        normalised = peer_scores({w: s.z for w, (s, _) in per_workload.items()})
        for workload, (item, result) in per_workload.items():
            out.append(
                Signal(
                    component=workload,
                    source="metrics",
                    name=name,
                    score=normalised[workload],
                    z=item.z,
                    before=item.before,
                    after=item.after,
                    started=started_at(item, tz),
                    query=_one_workload(result.query, result.family, item.series),
                    aspect=own_aspect(result.family.name),
                    series=item.series,
                )
            )
    return out


def _one_workload(query: str, family: Family, series: Series) -> str:
    """The family query narrowed to the series' own key value (to re-run just this one)."""
    key = family.key
    value = series.labels.get(key or "")
    if not key or not value:
        return query
    return query.replace(f"{family.name}{{", f'{family.name}{{{key}="{value}", ', 1)
