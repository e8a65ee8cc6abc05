"""Trace signals: where the added time is spent, and where code paths changed, per service.

A slow callee makes every caller slow too, so span durations blame the whole chain. Three
views point at where the time is *added* (rca-methods, "Traces"):

* **self time**: a span's duration minus the time covered by its children, per service;
* **caller/callee gap**: a CLIENT span minus the SERVER span it called — time spent between
  the two (network, or either pod), blamed on the end the slowed edges share (``blame``);
* **deepest slow span**: in each slow trace, the deepest span on the critical path whose
  duration is above its operation's baseline — the share of slow traces ending at a service.

Code faults often add no time: **code-path shifts** (``paths``) find operations whose spans
take call paths the baseline never took, and the service whose answer such a path broke off
after.

Traces are listed on both sides of the onset (``listing``); the split between baseline and
anomalous traces is the change point of the listed traces' durations or spans per trace when
they show one (their resolution is far finer than per-minute metrics), else the onset; half of
the traces fetched whole come from each side. Spans need no status: errors are not required.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.errors import BackendError
from tools.clients import TempoReader
from tools.summarise.spans import Span, spans_from_otlp

from .blame import blame_gaps
from .listing import PAGE, list_traces, sample_sides, split_time
from .paths import (
    Path,
    Shift,
    break_offs,
    call_paths,
    known_paths,
    path_shift,
    remote_operations,
)
from .robust import peer_scores, robust_z
from .shares import Evidence, share_signals
from .signals import Signal
from .spans import client_gaps, deepest_slow, origins_of, self_times
from .workloads import Workloads

# Traces fetched whole, half on each side of the split, evenly over time.
FETCHED = 80
_PARALLEL = 4
# Fewest traces on each side of the split for a comparison to mean anything.
MIN_TRACES = 5


@dataclass
class TracePart:
    """What the trace analysis found."""

    signals: list[Signal] = field(default_factory=list)
    calls: set[tuple[str, str]] = field(default_factory=set)
    gaps: list[str] = field(default_factory=list)
    summary: str = "traces: Tempo not configured"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _query(namespaces: Sequence[str]) -> str:
    if len(namespaces) == 1:
        return "{ resource.k8s.namespace.name = " + _quote(namespaces[0]) + " }"
    alternatives = "|".join(namespaces)
    return "{ resource.k8s.namespace.name =~ " + _quote(alternatives) + " }"


def calls_of(traces: Sequence[Sequence[Span]], workloads: Workloads) -> set[tuple[str, str]]:
    """(caller, callee) workloads of every parent → child span crossing services."""
    out: set[tuple[str, str]] = set()
    for spans in traces:
        by_id = {s.span_id: s for s in spans}
        for span in spans:
            parent = by_id.get(span.parent_id)
            if parent is not None and parent.service != span.service:
                out.add((workloads.of_name(parent.service), workloads.of_name(span.service)))
    return out


def _fetch(tempo: TempoReader, ids: list[str]) -> list[list[Span]]:
    def one(trace_id: str) -> list[Span]:
        body = tempo.trace(trace_id).body
        return spans_from_otlp(body if isinstance(body, dict) else {})

    with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:
        return list(pool.map(one, ids))


def localise(
    tempo: TempoReader | None,
    namespaces: Sequence[str],
    start: datetime,
    end: datetime,
    onset: datetime,
    workloads: Workloads,
) -> TracePart:
    """Trace signals per service over ``[start, end]``, split near ``onset``."""
    part = TracePart()
    if tempo is None:
        part.gaps.append("traces: Tempo not configured")
        return part
    query = _query(namespaces)
    try:
        listed = list_traces(tempo, query, start, end, onset)
        if not listed:
            query = "{ }"
            listed = list_traces(tempo, query, start, end, onset)
        cut, basis = split_time(listed, onset.timestamp())
        chosen = sample_sides(listed, cut, FETCHED)
        fetched = _fetch(tempo, [str(t["traceID"]) for t in chosen])
    except BackendError as exc:
        part.gaps.append(f"traces: {exc}")
        part.summary = "traces: unavailable"
        return part
    if not listed:
        part.gaps.append("traces: none in the window")
        part.summary = "traces: none"
        return part
    part.calls = calls_of(fetched, workloads)
    before = [t for t in fetched if t and min(s.start_ns for s in t) / 1e9 < cut]
    after = [t for t in fetched if t and min(s.start_ns for s in t) / 1e9 >= cut]
    part.summary = (
        f"traces: {len(fetched)} of {len(listed)} listed fetched, split at {basis} "
        f"({len(before)} before, {len(after)} after)"
    )
    if len(before) < MIN_TRACES or len(after) < MIN_TRACES:
        part.gaps.append(
            f"traces: too few traces on one side of the split ({len(before)} before, "
            f"{len(after)} after) to compare"
        )
        return part
    request = (
        f"TraceQL {query} limit {PAGE} (paged on each side of the split), "
        f"{len(fetched)} traces fetched by id"
    )
    tz = onset.tzinfo
    moment = datetime.fromtimestamp(cut, tz)
    evidence = Evidence(workloads, request, moment)
    part.signals += _compare(
        "self time", _pool(before, self_times), _pool(after, self_times), workloads, request, moment
    )
    part.signals += _gap_signals(
        _pool(before, client_gaps), _pool(after, client_gaps), workloads, request, moment
    )
    paths_before = _pool(before, call_paths)
    part.signals += _pattern_signals(
        paths_before, _pool(after, call_paths), remote_operations(fetched), evidence
    )
    part.signals += _break_offs(before, after, paths_before, evidence)
    part.signals += _deepest(before, after, evidence)
    part.signals += _error_origins(before, after, evidence)
    return part


def _pool(traces: list[list[Span]], view: object) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for spans in traces:
        for service, values in view(spans).items():  # type: ignore[operator]
            out[service].extend(values)
    return out


def _compare(
    what: str,
    before: dict[str, list[float]],
    after: dict[str, list[float]],
    workloads: Workloads,
    request: str,
    moment: datetime,
    aspect: str = "latency",
) -> list[Signal]:
    zs = {}
    medians = {}
    for service in set(before) & set(after):
        zs[service] = robust_z(before[service], after[service])
        medians[service] = (_median(before[service]), _median(after[service]))
    normalised = peer_scores(zs)
    return [
        Signal(
            component=workloads.of_name(service),
            source="traces",
            name=f"{what} of {service} spans (ms, median)",
            score=normalised[service] if zs[service] > 0 else 0.0,
            z=zs[service],
            before=medians[service][0],
            after=medians[service][1],
            started=moment,
            query=request,
            aspect=aspect,  # type: ignore[arg-type]
        )
        for service in sorted(zs)
    ]


def _gap_signals(
    before: dict[str, list[float]],
    after: dict[str, list[float]],
    workloads: Workloads,
    request: str,
    moment: datetime,
) -> list[Signal]:
    """Gaps per edge, blamed on the end they share (``blame``), with their median gaps.

    Unlike the edge metrics' gaps (``edges``), the floor of a trace gap's scale is the gap's
    own level, not the call's: measured on the dev set, judging it against the CLIENT span
    (the call) located two fewer incidents, so the simpler rule stays until data says else.
    """
    edge_z = {k: robust_z(before[k], after[k]) for k in set(before) & set(after)}
    medians = {k: (_median(before[k]), _median(after[k])) for k in edge_z}
    blamed = blame_gaps(edge_z)
    normalised = peer_scores({s: z for s, (z, _) in blamed.items()})
    return [
        Signal(
            component=workloads.of_name(service),
            source="traces",
            name=f"caller→callee gap at {service} (CLIENT minus SERVER span, ms)",
            score=normalised[service] if z > 0 else 0.0,
            z=z,
            before=_edge_median(medians, service, 0),
            after=_edge_median(medians, service, 1),
            started=moment,
            query=request,
            aspect="network",
            detail=why,
        )
        for service, (z, why) in sorted(blamed.items())
    ]


def _edge_median(medians: dict[str, tuple[float, float]], service: str, side: int) -> float:
    """The largest median gap (before or after the onset) among the edges into ``service``."""
    values = [m[side] for k, m in medians.items() if k.split("\0")[1] == service]
    return max(values, default=0.0)


def _pattern_signals(
    before: dict[str, list[Path]],
    after: dict[str, list[Path]],
    remote: set[str],
    evidence: Evidence,
) -> list[Signal]:
    """Per service, its operation whose code paths shifted most (``paths``)."""
    best: dict[str, tuple[Shift, str]] = {}
    for key in set(before) & set(after):
        service, operation = key.split("\0", 1)
        shift = path_shift(before[key], after[key], mix=key not in remote)
        if service not in best or shift.z > best[service][0].z:
            best[service] = (shift, operation)
    normalised = peer_scores({s: v[0].z for s, v in best.items()})
    return [
        Signal(
            component=evidence.workloads.of_name(service),
            source="traces",
            name=(
                f"share of {operation} spans of {service} taking a call path unseen before"
                if shift.started
                else f"share of {operation} spans of {service} before on a call path now unseen"
            ),
            score=normalised[service] if shift.z > 0 else 0.0,
            z=shift.z,
            before=shift.expected,
            after=shift.observed,
            started=evidence.moment,
            query=evidence.request,
            aspect="errors",
            detail="the operation's code path changed (expected share by Good–Turing)",
            directed=False,
        )
        for service, (shift, operation) in sorted(best.items())
    ]


def _break_offs(
    before: list[list[Span]],
    after: list[list[Span]],
    paths_before: dict[str, list[Path]],
    evidence: Evidence,
) -> list[Signal]:
    """Share of traces with a new call path that broke off after each service's answer.

    After the split, a path is new when no baseline span of its operation took it. Before
    it, the same question is asked of paths the baseline took only once — the Good–Turing
    estimate of how often new paths turn up anyway.
    """
    seen, repeated = known_paths(paths_before), known_paths(paths_before, at_least=2)
    was = [break_offs(t, repeated) for t in before]
    now = [break_offs(t, seen) for t in after]
    return share_signals(
        was,
        now,
        set().union(*was, *now),
        "share of traces whose new call paths broke off after {}'s answer",
        "errors",
        evidence,
    )


def _deepest(before: list[list[Span]], after: list[list[Span]], evidence: Evidence) -> list[Signal]:
    """Share of traces whose deepest slow span is at each service, before vs after."""
    durations: dict[str, list[float]] = defaultdict(list)
    for spans in before:
        for span in spans:
            durations[f"{span.service}\0{span.name}"].append(span.duration_ms)
    slow = {k: _quantile(v, 0.9) for k, v in durations.items() if len(v) >= MIN_TRACES}

    def ends(traces: list[list[Span]]) -> list[set[str]]:
        return [{e} if (e := deepest_slow(t, slow)) else set() for t in traces]

    services = {s.service for t in before + after for s in t}
    return share_signals(
        ends(before),
        ends(after),
        services,
        "share of slow traces ending at {} (deepest slow span)",
        "latency",
        evidence,
    )


def _error_origins(
    before: list[list[Span]], after: list[list[Span]], evidence: Evidence
) -> list[Signal]:
    """Share of traces whose errors begin at each service, before vs after (needs a status)."""
    was = [origins_of(t) for t in before]
    now = [origins_of(t) for t in after]
    services = set().union(*was, *now)
    # No span carries an error status: there is nothing to say, which is not a zero.
    return share_signals(
        was,
        now,
        services,
        "share of traces whose errors begin at {}",
        "errors",
        evidence,
    )


def _median(values: list[float]) -> float:
    return _quantile(values, 0.5)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
