"""Views over the spans of one trace: self time, caller/callee gaps, depth.

Each view maps a key (a service, an operation ``service + NUL + span name``, or a call edge
``caller + NUL + callee``) to one value per span; ``traces`` pools them over the traces before
and after the onset and scores the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tools.summarise.spans import Span, children, critical_path, error_origins


def self_times(spans: Sequence[Span]) -> dict[str, list[float]]:
    """Per service, the self time (ms) of each of its spans: duration minus children's union."""
    tree = children(spans)
    out: dict[str, list[float]] = defaultdict(list)
    for span in spans:
        covered = _union([(c.start_ns, c.end_ns) for c in tree.get(span.span_id, [])], span)
        out[span.service].append(max(0.0, (span.end_ns - span.start_ns - covered) / 1e6))
    return out


def _union(intervals: list[tuple[int, int]], parent: Span) -> int:
    """Nanoseconds of ``parent`` covered by the union of ``intervals`` (clipped to it)."""
    total = 0
    cursor = parent.start_ns
    for lo, hi in sorted(intervals):
        lo, hi = max(lo, cursor), min(hi, parent.end_ns)
        if hi > lo:
            total += hi - lo
            cursor = hi
    return total


def _client_calls(spans: Sequence[Span]) -> list[tuple[str, Span, Span]]:
    """Every ``(caller + NUL + callee, CLIENT span, SERVER span it called)`` across services."""
    tree = children(spans)
    out = []
    for span in spans:
        if span.kind not in ("CLIENT", "3", "SPAN_KIND_CLIENT"):
            continue
        for child in tree.get(span.span_id, []):
            if child.service != span.service:
                out.append((f"{span.service}\0{child.service}", span, child))
    return out


def client_gaps(spans: Sequence[Span]) -> dict[str, list[float]]:
    """Per call edge ``caller + NUL + callee``, CLIENT span minus the SERVER span it called (ms)."""
    out: dict[str, list[float]] = defaultdict(list)
    for key, client, server in _client_calls(spans):
        out[key].append(max(0.0, client.duration_ms - server.duration_ms))
    return out


def deepest_slow(spans: Sequence[Span], slow: dict[str, float]) -> str | None:
    """The service of the deepest critical-path span slower than its operation's baseline."""
    found = None
    for span in critical_path(spans):
        if span.duration_ms > slow.get(f"{span.service}\0{span.name}", float("inf")):
            found = span.service
    return found


def origins_of(spans: Sequence[Span]) -> set[str]:
    """The services (or uninstrumented peers) where a trace's errors begin, if any failed."""
    return {o["peer"] or o["service"] for o in error_origins(spans)}
