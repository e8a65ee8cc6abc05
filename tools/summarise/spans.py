"""Normalise OTLP JSON traces into spans; summarise one trace; find its critical path.

The critical path follows, from the root, the child that ends last at every step: the chain of
work the trace's end waited on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """One span with hex ids, nanosecond times and flat string attributes."""

    trace_id: str
    span_id: str
    parent_id: str
    service: str
    name: str
    kind: str
    start_ns: int
    end_ns: int
    error: bool = False
    message: str = ""
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        """Duration in milliseconds."""
        return (self.end_ns - self.start_ns) / 1e6


def _value(value: Mapping[str, Any]) -> str:
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in value:
            return str(value[key])
    return ""


def attributes(items: Sequence[Mapping[str, Any]] | None) -> dict[str, str]:
    """OTLP ``[{"key", "value": {"stringValue": ...}}]`` as a flat dict."""
    return {str(a.get("key")): _value(a.get("value") or {}) for a in items or []}


def spans_from_otlp(body: Mapping[str, Any]) -> list[Span]:
    """Every span of an OTLP JSON trace (Tempo's ``batches`` or standard ``resourceSpans``)."""
    spans: list[Span] = []
    for batch in body.get("batches") or body.get("resourceSpans") or []:
        service = attributes((batch.get("resource") or {}).get("attributes")).get(
            "service.name", "unknown"
        )
        for scope in batch.get("scopeSpans") or batch.get("instrumentationLibrarySpans") or []:
            for raw in scope.get("spans") or []:
                status = raw.get("status") or {}
                spans.append(
                    Span(
                        trace_id=str(raw.get("traceId", "")),
                        span_id=str(raw.get("spanId", "")),
                        parent_id=str(raw.get("parentSpanId") or ""),
                        service=service,
                        name=str(raw.get("name", "")),
                        kind=str(raw.get("kind", "")).removeprefix("SPAN_KIND_"),
                        start_ns=int(raw.get("startTimeUnixNano") or 0),
                        end_ns=int(raw.get("endTimeUnixNano") or 0),
                        error=status.get("code") in ("STATUS_CODE_ERROR", 2, "2"),
                        message=str(status.get("message") or ""),
                        attributes=attributes(raw.get("attributes")),
                    )
                )
    return spans


def children(spans: Sequence[Span]) -> dict[str, list[Span]]:
    """Parent span id → child spans."""
    tree: dict[str, list[Span]] = {}
    for span in spans:
        if span.parent_id:
            tree.setdefault(span.parent_id, []).append(span)
    return tree


def roots(spans: Sequence[Span]) -> list[Span]:
    """Spans without a parent in the trace (a missing parent makes a span a root)."""
    ids = {s.span_id for s in spans}
    return [s for s in spans if not s.parent_id or s.parent_id not in ids]


_PEER_KEYS = ("peer.service", "server.address", "net.peer.name", "db.system")


def peer_of(span: Span) -> str | None:
    """The remote peer a CLIENT span names (``peer.service``, ``server.address``...), if any."""
    if span.kind != "CLIENT":
        return None
    return next((span.attributes[k] for k in _PEER_KEYS if span.attributes.get(k)), None)


def error_origins(spans: Sequence[Span]) -> list[dict[str, str]]:
    """The failing spans none of whose children failed: where the errors of a trace begin.

    A failing CLIENT span without children called an uninstrumented peer; its ``peer`` says
    which (the fault may be there rather than in the calling service).
    """
    tree = children(spans)
    origins = []
    for span in sorted(spans, key=lambda s: (s.start_ns, s.span_id)):
        kids = tree.get(span.span_id, [])
        if not span.error or any(k.error for k in kids):
            continue
        peer = peer_of(span) if not kids else None
        origins.append(
            {
                "service": span.service,
                "span": span.name,
                "peer": peer or "",
                "message": span.message,
            }
        )
    return origins


def critical_path(spans: Sequence[Span]) -> list[Span]:
    """From the root that ends last, repeatedly step to the child that ends last."""
    starts = roots(spans)
    if not starts:
        return []
    tree = children(spans)
    path = [max(starts, key=lambda s: (s.end_ns, s.span_id))]
    seen = {path[0].span_id}
    while tree.get(path[-1].span_id):
        nxt = max(tree[path[-1].span_id], key=lambda s: (s.end_ns, s.span_id))
        if nxt.span_id in seen:  # malformed trace with a cycle
            break
        seen.add(nxt.span_id)
        path.append(nxt)
    return path


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """What the model gets about one trace."""

    trace_id: str
    root: str
    duration_ms: float
    span_count: int
    services: list[str]
    errors: list[str]
    critical_path: list[str]

    def lines(self) -> list[str]:
        """Text lines for the model."""
        out = [
            f"trace {self.trace_id}: root {self.root}, {self.duration_ms:.1f} ms, "
            f"{self.span_count} spans, services {', '.join(self.services)}",
            "critical path: " + " → ".join(self.critical_path),
        ]
        out += [f"error: {e}" for e in self.errors]
        return out


def summarise_trace(spans: Sequence[Span], max_errors: int = 10) -> TraceSummary:
    """Summarise one trace's spans."""
    top = roots(spans)
    start = min((s.start_ns for s in spans), default=0)
    end = max((s.end_ns for s in spans), default=0)
    root = max(top, key=lambda s: s.end_ns - s.start_ns) if top else None
    errors = [
        f"{s.service} {s.name} ({s.duration_ms:.1f} ms){': ' + s.message if s.message else ''}"
        for s in sorted(spans, key=lambda s: s.start_ns)
        if s.error
    ]
    return TraceSummary(
        trace_id=spans[0].trace_id if spans else "",
        root=f"{root.service} {root.name}" if root else "none",
        duration_ms=(end - start) / 1e6,
        span_count=len(spans),
        services=sorted({s.service for s in spans}),
        errors=errors[:max_errors]
        + ([f"… {len(errors) - max_errors} more"] if len(errors) > max_errors else []),
        critical_path=[f"{s.service}:{s.name} {s.duration_ms:.1f}ms" for s in critical_path(spans)],
    )
