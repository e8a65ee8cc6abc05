"""Build caller → callee edges from spans: a child span in another service is a call.

A span whose parent lives in a different service records a call from the parent's service; a
CLIENT span with no child but a ``peer.service`` (or ``server.address``) attribute records a
call to an uninstrumented peer. Latency is the callee-side span duration.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .spans import Span, children, peer_of


@dataclass(slots=True)
class Edge:
    """Calls from one service to another."""

    caller: str
    callee: str
    calls: int = 0
    errors: int = 0
    durations_ms: list[float] = field(default_factory=list)

    @property
    def error_rate(self) -> float:
        """Share of calls that failed."""
        return self.errors / self.calls if self.calls else 0.0

    def line(self) -> str:
        """One text line."""
        return (
            f"{self.caller} → {self.callee}: {self.calls} calls, {self.error_rate:.0%} errors, "
            f"p50 {percentile(self.durations_ms, 0.5):.1f} ms, p95 {percentile(self.durations_ms, 0.95):.1f} ms"
        )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in [0, 1]); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def build_edges(spans: Sequence[Span]) -> list[Edge]:
    """Edges over every span given (spans of several traces may be mixed), busiest first."""
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    tree = children(spans)
    edges: dict[tuple[str, str], Edge] = {}

    def record(caller: str, callee: str, span: Span) -> None:
        edge = edges.setdefault((caller, callee), Edge(caller, callee))
        edge.calls += 1
        edge.errors += int(span.error)
        edge.durations_ms.append(span.duration_ms)

    for span in spans:
        parent = by_id.get((span.trace_id, span.parent_id)) if span.parent_id else None
        if parent is not None and parent.service != span.service:
            record(parent.service, span.service, span)
        elif not tree.get(span.span_id):
            peer = peer_of(span)
            if peer and peer != span.service:
                record(span.service, peer, span)
    return sorted(edges.values(), key=lambda e: (-e.calls, e.caller, e.callee))
