"""Turn tool results into suspects: where the errors start, and what changed or broke there.

Two kinds of facts are gathered per component. *Symptoms* place the fault (the deepest
failing span of error traces, the end of the failing dependency chain, an error onset);
*causes* explain it (a rollout shortly before onset, OOM kills, node pressure, an HPA at its
maximum, an expired certificate, DNS failures, a ConfigMap edit). ``rank`` weighs both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.investigation.state import CallRecord
from agent.k8s_names import workload_of

from . import evidence as ev
from .evidence import Edge, Fact

# A change counts as the trigger when it lands this close before (or just after) the onset.
CHANGE_BEFORE = timedelta(minutes=45)
CHANGE_AFTER = timedelta(minutes=5)
_MIN_EDGE_ERRORS = 0.1


@dataclass(frozen=True, slots=True)
class Context:
    """What the analysis knows besides the records: the alert and the catalogue."""

    service: str
    onset: datetime
    known: frozenset[str]
    datastores: frozenset[str] = frozenset()


def walk_chain(
    edges: Sequence[Edge], start: str, min_errors: float = _MIN_EDGE_ERRORS
) -> list[str]:
    """Follow the most failing outgoing edge from ``start`` until no callee fails.

    Returns the services visited, ``start`` first; the last is where the errors originate
    as far as the graph shows. Ties go to the busier edge, then the name (deterministic).
    """
    chain = [start]
    while True:
        out = [
            e
            for e in edges
            if e.caller == chain[-1] and e.error_rate >= min_errors and e.callee not in chain
        ]
        if not out:
            return chain
        best = max(out, key=lambda e: (round(e.error_rate, 2), e.calls, e.callee))
        chain.append(best.callee)


def slow_chain(edges: Sequence[Edge], start: str) -> list[str]:
    """Follow the slowest outgoing edge while it accounts for most of the caller's own p95."""
    chain = [start]
    incoming = {e.callee: e.p95_ms for e in edges}
    budget = incoming.get(start, max((e.p95_ms for e in edges), default=0.0))
    while True:
        out = [e for e in edges if e.caller == chain[-1] and e.callee not in chain]
        if not out:
            return chain
        best = max(out, key=lambda e: (e.p95_ms, e.callee))
        if budget <= 0 or best.p95_ms < 0.6 * budget:
            return chain
        chain.append(best.callee)
        budget = best.p95_ms


@dataclass
class Suspects:
    """Facts gathered per component."""

    facts: dict[str, list[Fact]] = field(default_factory=dict)

    def add(self, fact: Fact) -> None:
        """Record a fact (one per component, kind and call)."""
        bucket = self.facts.setdefault(fact.component, [])
        if not any(f.kind == fact.kind and f.call_id == fact.call_id for f in bucket):
            bucket.append(fact)

    def kinds(self, component: str) -> set[str]:
        """The kinds of fact known about ``component``."""
        return {f.kind for f in self.facts.get(component, [])}


def symptoms(turns: list[list[CallRecord]], ctx: Context, into: Suspects) -> list[str]:
    """Locate the fault: trace error origins, failing chain, error onsets. Returns the chain."""
    chain: list[str] = [ctx.service]
    for record in ev.records(turns, "service_graph"):
        graph = ev.edges(record, ctx.known)
        chain = walk_chain(graph, ctx.service)
        if len(chain) == 1:
            chain = slow_chain(graph, ctx.service)
        end = chain[-1]
        if end != ctx.service:
            quote = ev.quote_line(record.output, f"{chain[-2]} → {record_callee(record, end)}:")
            if quote:
                into.add(Fact(end, "chain_end", record.id, quote, weight=2.0))
    for record in ev.records(turns, "trace_lookup"):
        for component, where in ev.trace_origins(record, ctx.known):
            quote = ev.quote_line(record.output, "error:", where) or ev.quote_line(
                record.output, "error:"
            )
            if quote:
                into.add(Fact(component, "origin", record.id, quote, weight=1.5, detail=where))
    for record in ev.records(turns, "query_metrics"):
        kind = _SYMPTOM_QUERIES.get(record.id)
        if kind is None:
            continue
        for fact in ev.series(record):
            name = next(iter(fact.labels.values()), "")
            if name and ev.rose(fact, floor=0.01):
                quote = ev.quote_line(record.output, f'"{name}"', "level change")
                if quote:
                    into.add(Fact(workload_of(name), kind, record.id, quote, at=ev.onset(fact)))
    return chain


# The per-service request queries (by call id, see ``brain``) and the symptom each shows.
_SYMPTOM_QUERIES = {"t1_q_error_ratio": "errors", "t1_q_latency_p99": "latency"}


def record_callee(record: CallRecord, component: str) -> str:
    """The callee spelling the service graph used for ``component`` (maybe a host name)."""
    for item in record.data.get("edges") or []:
        callee = str(item.get("callee"))
        if callee == component or callee.split(".")[0] == component:
            return callee
    return component


def near_onset(moment: datetime | None, onset: datetime) -> bool:
    """Whether ``moment`` is in the window where a change can have triggered the incident."""
    return moment is not None and onset - CHANGE_BEFORE <= moment <= onset + CHANGE_AFTER


def change_facts(turns: list[list[CallRecord]], ctx: Context, into: Suspects) -> None:
    """Rollouts and ConfigMap edits, as cause facts (near onset) or as old changes."""
    for record in ev.records(turns, "deployment_history"):
        if record.arguments.get("name"):
            continue
        for moment, what in ev.changes(record):
            words = what.split()
            if len(words) < 2:
                continue
            kind, name = words[0], words[1].rstrip(":")
            quote = ev.quote_line(record.output, f"{kind} {name}") or what[:200]
            if kind == "ConfigMap":
                component = _owner_of(name, ctx.known)
                label = "configmap" if near_onset(moment, ctx.onset) else "old_change"
            else:
                component = name
                if not near_onset(moment, ctx.onset):
                    label = "old_change"
                elif "image" in what:
                    label = "rollout_image"
                elif "limits." in what or "requests." in what:
                    label = "rollout_resources"
                else:
                    label = "rollout_other"
            into.add(Fact(component, label, record.id, quote, at=moment, detail=what))


def _owner_of(configmap: str, known: Iterable[str]) -> str:
    """The workload a ConfigMap belongs to by name (``checkout-config`` → ``checkout``)."""
    owners = sorted((k for k in known if configmap.startswith(k)), key=len, reverse=True)
    return owners[0] if owners else configmap
