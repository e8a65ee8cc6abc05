"""Tempo's trace search over the recorded traces: ``/api/search`` without the HTTP."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from agent.replay.tempo.model import ROOT_NOT_RECEIVED, Span, Trace, TraceStore
from agent.replay.tempo.otlp import AttrValue, encode_value
from agent.replay.tempo.traceql import (
    TraceQLSyntaxError,
    field_value,
    matching_spans,
    referenced_fields,
)
from agent.replay.tempo.traceql.nodes import (
    Attribute,
    Comparison,
    Field,
    FieldExpr,
    FieldLogic,
    Intrinsic,
    SpansetExpr,
    SpansetFilter,
)

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?\d+\.\d+")

DEFAULT_LIMIT = 20
DEFAULT_SPANS_PER_SPANSET = 3


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A parsed search: the query plus Tempo's window, size and duration limits."""

    query: SpansetExpr
    start_ns: int | None = None
    end_ns: int | None = None
    limit: int = DEFAULT_LIMIT
    spans_per_spanset: int = DEFAULT_SPANS_PER_SPANSET
    min_duration_ns: int | None = None
    max_duration_ns: int | None = None


def search(store: TraceStore, request: SearchRequest) -> dict[str, Any]:
    """Run a search and answer in Tempo's ``SearchResponse`` JSON shape.

    Matching traces overlap the window and the duration bounds, most recent first.
    """
    candidates = [t for t in store if t.overlaps(request.start_ns, request.end_ns)]
    candidates.sort(key=lambda t: t.start_ns, reverse=True)
    fields = referenced_fields(request.query)
    results: list[dict[str, Any]] = []
    inspected_traces = inspected_bytes = 0
    for trace in candidates:
        inspected_traces += 1
        inspected_bytes += trace.size_bytes
        duration = trace.end_ns - trace.start_ns
        if request.min_duration_ns is not None and duration < request.min_duration_ns:
            continue
        if request.max_duration_ns is not None and duration > request.max_duration_ns:
            continue
        spans = matching_spans(request.query, trace.spans)
        if spans:
            results.append(_trace_result(trace, spans, fields, request.spans_per_spanset))
        if len(results) >= request.limit:
            break
    return {
        "traces": results,
        "metrics": {
            "inspectedTraces": inspected_traces,
            "inspectedBytes": str(inspected_bytes),
            "completedJobs": 1,
            "totalJobs": 1,
        },
    }


def legacy_tags_query(tags: str) -> SpansetExpr:
    """Translate legacy logfmt tag search (``service.name=cart http.status_code=500``).

    Each ``key=value`` becomes an unscoped attribute equality on one span, as Tempo 2
    translates it to TraceQL; a value that reads as a number or boolean compares as one.

    Raises:
        TraceQLSyntaxError: a pair is not ``key=value``.
    """
    expr: FieldExpr | None = None
    try:
        pairs = shlex.split(tags)
    except ValueError as exc:  # an unbalanced quote
        raise TraceQLSyntaxError(f"invalid tags: {exc}", tags, len(tags)) from exc
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise TraceQLSyntaxError(f"tag {pair!r} is not key=value", tags, tags.find(pair))
        # Legacy search knows one intrinsic, the span name; every other key is an attribute.
        field: Field = Intrinsic("name") if key == "name" else Attribute("any", key)
        value = raw if isinstance(field, Intrinsic) else _typed(raw)
        comparison = Comparison(field, "=", value)
        expr = comparison if expr is None else FieldLogic("&&", expr, comparison)
    return SpansetFilter(expr)


def _typed(raw: str) -> str | int | float | bool:
    if raw in {"true", "false"}:
        return raw == "true"
    if _INT.fullmatch(raw):
        return int(raw)
    if _FLOAT.fullmatch(raw):
        return float(raw)
    return raw


def _trace_result(
    trace: Trace, spans: list[Span], fields: list[Field], spans_per_spanset: int
) -> dict[str, Any]:
    root = trace.root
    spanset = {
        "spans": [_span_result(s, fields) for s in spans[:spans_per_spanset]],
        "matched": len(spans),
    }
    return {
        "traceID": trace.trace_id,
        "rootServiceName": root.service if root else ROOT_NOT_RECEIVED,
        "rootTraceName": root.name if root else ROOT_NOT_RECEIVED,
        "startTimeUnixNano": str(trace.start_ns),
        "durationMs": (trace.end_ns - trace.start_ns) // 1_000_000,
        "spanSets": [spanset],
        "spanSet": spanset,
    }


def _span_result(span: Span, fields: list[Field]) -> dict[str, Any]:
    attributes = []
    for field in fields:
        # Tempo reports the attributes the query looked at; duration and name have own keys.
        if field in (Intrinsic("duration"), Intrinsic("name")):
            continue
        value: AttrValue = field_value(field, span)
        if value is not None:
            attributes.append({"key": field.name, "value": encode_value(value)})
    result: dict[str, Any] = {
        "spanID": span.span_id,
        "name": span.name,
        "startTimeUnixNano": str(span.start_ns),
        "durationNanos": str(span.duration_ns),
    }
    if attributes:
        result["attributes"] = attributes
    return result
