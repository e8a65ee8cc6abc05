"""Caller/callee signals from edge metrics: where along a call the time was added.

An edge family (see ``families``) reports one call edge, often from both ends: Istio's
``reporter="source"`` is the caller's sidecar, ``reporter="destination"`` the callee's. When
the caller-side latency of an edge grew while the callee-side did not, the time is added
between them — the network, or the callee's pod before the handler runs (rca-methods.md,
"Caller/callee gap"). Three signals come out of it:

* the callee-side change of an edge, as the callee's own latency (``edge-served``), counted
  only as far as the caller side felt it, and taken from the callee's least-changed
  incoming edge;
* the gap of each edge (the caller-side minus the callee-side series, scored as a series of
  its own), blamed on the end the gapped edges share (``blame``): a callee all of whose
  callers see it slower, or a caller slower towards every one of its callees;
* for edges only their callers report (a client-side metric naming its peer, typically an
  uninstrumented or external dependency), the caller-side change blamed on the callee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import tzinfo

from .blame import blame_gaps
from .families import Family
from .frame import Frame
from .metrics import aggregate, metric_name
from .robust import finite, peer_scores, robust_z
from .series import Scored, started_at
from .signals import Signal, aspect_of
from .workloads import Workloads

# Reporter values naming each end, as Istio and Linkerd spell them.
CALLER_SIDE = frozenset({"source", "client", "outbound"})
CALLEE_SIDE = frozenset({"destination", "server", "inbound"})


def edge_query(family: Family, selector: str, frame: Frame) -> str | None:
    """The PromQL giving an edge family per (caller, callee[, reporter])."""
    pair = family.edge()
    if pair is None:
        return None
    keys = ", ".join([*pair, *([family.reporter] if family.reporter else [])])
    return aggregate(family, keys, selector, frame)


@dataclass(frozen=True, slots=True)
class EdgeResult:
    """The scored series of one edge family's query."""

    family: Family
    query: str
    scored: list[Scored]
    # Where the series were split (the onset), epoch seconds: an edge's gap series is scored
    # against the part before it. Without it a gap is the difference of the two sides' z.
    onset: float | None = None


def _side(labels: dict[str, str], family: Family) -> str:
    if family.caller_reported:
        return "caller"
    reporter = family.reporter
    value = labels.get(reporter or "", "").lower()
    if value in CALLER_SIDE:
        return "caller"
    if value in CALLEE_SIDE:
        return "callee"
    return "callee" if reporter is None else "unknown"


def signals(
    results: Iterable[EdgeResult], workloads: Workloads, tz: tzinfo | None
) -> tuple[list[Signal], set[tuple[str, str]]]:
    """Served-latency, gap and caller-network signals of every edge family, and the calls seen."""
    out: list[Signal] = []
    calls: set[tuple[str, str]] = set()
    for result in results:
        pair = result.family.edge()
        if pair is None:
            continue
        sides: dict[tuple[str, str, str], dict[str, Scored]] = defaultdict(dict)
        for item in result.scored:
            labels = item.series.labels
            caller = workloads.of_name(labels.get(pair[0], ""))
            callee = workloads.of_name(labels.get(pair[1], ""))
            if not caller or not callee or caller == callee:
                continue
            name = metric_name(result.family, labels)
            side = _side(labels, result.family)
            sides[(name, caller, callee)][side] = item
            calls.add((caller, callee))
        out += _served(result, sides, tz)
        out += _gaps(result, sides, tz)
        out += _seen_by_callers(result, sides, tz)
    return out, calls


def _served(
    result: EdgeResult, sides: dict[tuple[str, str, str], dict[str, Scored]], tz: tzinfo | None
) -> list[Signal]:
    """Callee-side latency per callee (see ``_per_callee``), normalised by peers.

    A caller waits at least as long as its callee serves it, so a callee-side rise that is
    real shows on the caller's side of the same edge too. Where the caller side is reported
    and did not rise as much, the rise is counted only as far as the caller felt it: the
    callee-side figure alone then describes requests the caller no longer waited for
    (cancelled or timed out upstream) or a quantile of a handful of requests.
    """
    felt = {
        key: ends | {"callee": _as_felt(ends["callee"], ends.get("caller"))}
        for key, ends in sides.items()
        if "callee" in ends
    }
    return _per_callee(
        result, felt, tz, "callee", "{name} served ({caller} → {callee}, callee side)"
    )


def _as_felt(callee: Scored, caller: Scored | None) -> Scored:
    """The callee side's change, capped by the caller side's rise when the caller reports."""
    if caller is None or callee.z <= 0 or caller.z >= callee.z:
        return callee
    return replace(callee, z=max(caller.z, 0.0))


def _seen_by_callers(
    result: EdgeResult, sides: dict[tuple[str, str, str], dict[str, Scored]], tz: tzinfo | None
) -> list[Signal]:
    """Caller-side change of edges with no callee side, blamed on the callee."""
    one_sided = {k: v for k, v in sides.items() if "callee" not in v}
    return _per_callee(
        result,
        one_sided,
        tz,
        "caller",
        "{name} seen by its caller ({caller} → {callee})",
        "the callee reports no metric of its own for this call",
    )


def _per_callee(
    result: EdgeResult,
    sides: dict[tuple[str, str, str], dict[str, Scored]],
    tz: tzinfo | None,
    side: str,
    title: str,
    detail: str = "",
) -> list[Signal]:
    """Per callee, its least-changed incoming edge as ``side`` reports it, normalised by peers.

    A callee that itself changed, changed for every caller: when one caller sees it 10x
    slower and another sees no change, what changed is what that one caller sends it.
    """
    best: dict[tuple[str, str], tuple[Scored, str]] = {}
    incoming: dict[tuple[str, str], int] = defaultdict(int)
    for (name, caller, callee), ends in sorted(sides.items()):
        item = ends.get(side)
        if item is None:
            continue
        incoming[(name, callee)] += 1
        held = best.get((name, callee))
        if held is None or abs(item.z) < abs(held[0].z):
            best[(name, callee)] = (item, caller)
    out = []
    for name in sorted({n for n, _ in best}):
        group = {c: v for (n, c), v in best.items() if n == name}
        normalised = peer_scores({c: s.z for c, (s, _) in group.items()})
        for callee, (item, caller) in group.items():
            out.append(
                Signal(
                    component=callee,
                    source="edges",
                    name=title.format(name=name, caller=caller, callee=callee),
                    score=normalised[callee],
                    z=item.z,
                    before=item.before,
                    after=item.after,
                    started=started_at(item, tz),
                    query=_narrowed(result, item),
                    aspect=aspect_of(result.family.name),
                    detail="; ".join(d for d in (detail, _least(incoming[(name, callee)])) if d),
                    series=item.series,
                )
            )
    return out


def _gap_z(result: EdgeResult, outer: Scored, inner: Scored) -> float:
    """How much the time between the two ends of an edge grew, as a robust z.

    The gap is the caller-side value minus the callee-side value at each step, scored
    against its own baseline: the difference of the two sides' z would understate it, since
    each z is bounded (a caller side going 10 → 385 ms and a callee side going 5 → 16 ms both
    score near the bound). Its relative floor is the caller side's level, not the gap's: half
    a millisecond more on a 3 ms call is ordinary, however flat the gap was.
    """
    if result.onset is None:
        return outer.z - inner.z
    theirs = dict(zip(inner.series.times, inner.series.values, strict=True))
    before: list[float] = []
    after: list[float] = []
    for t, v in zip(outer.series.times, outer.series.values, strict=True):
        if t in theirs:
            (before if t < result.onset else after).append(v - theirs[t])
    return robust_z(before, after, max(finite([abs(outer.before), abs(outer.after)]), default=0.0))


def _least(edges: int) -> str:
    return f"least changed of {edges} incoming call edges" if edges > 1 else ""


def _gaps(
    result: EdgeResult, sides: dict[tuple[str, str, str], dict[str, Scored]], tz: tzinfo | None
) -> list[Signal]:
    """The caller-minus-callee change per edge, blamed on the end the gapped edges share."""
    out = []
    names = sorted(
        {n for (n, _, _), ends in sides.items() if "caller" in ends and "callee" in ends}
    )
    for name in names:
        edges = {
            f"{c}\0{d}": ends
            for (n, c, d), ends in sides.items()
            if n == name and "caller" in ends and "callee" in ends
        }
        gaps = {k: _gap_z(result, e["caller"], e["callee"]) for k, e in edges.items()}
        blamed = blame_gaps(gaps)
        normalised = peer_scores({w: z for w, (z, _) in blamed.items()})
        for workload, (z, why) in sorted(blamed.items()):
            strongest = max((k for k in gaps if workload in k.split("\0")), key=lambda k: gaps[k])
            caller, callee = strongest.split("\0")
            outer, inner = edges[strongest]["caller"], edges[strongest]["callee"]
            out.append(
                Signal(
                    component=workload,
                    source="edges",
                    name=f"{name} gap (caller side minus callee side) at {workload}",
                    score=normalised[workload] if z > 0 else 0.0,
                    z=z,
                    before=inner.after,
                    after=outer.after,
                    started=started_at(outer, tz),
                    query=_narrowed(result, outer),
                    aspect="network",
                    detail=f"{why}; largest on {caller} → {callee}: caller side z "
                    f"{outer.z:+.1f}, callee side z {inner.z:+.1f}",
                    series=outer.series,
                )
            )
    return out


def _narrowed(result: EdgeResult, item: Scored) -> str:
    pair = result.family.edge()
    labels = item.series.labels
    if pair is None:
        return result.query
    matchers = ", ".join(
        f'{k}="{labels[k]}"' for k in (*pair, result.family.reporter or "") if k and labels.get(k)
    )
    return result.query.replace(f"{result.family.name}{{", f"{result.family.name}{{{matchers}, ", 1)
