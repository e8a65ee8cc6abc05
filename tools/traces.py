"""Tempo tools: ``trace_lookup`` (one trace, or a TraceQL search) and ``service_graph``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from agent.errors import BackendError

from .base import TimeSpan, ToolContext, ToolResult
from .clients import TempoReader
from .result import envelope, failed, not_configured, span_text, untrusted_flags
from .summarise.numbers import clock
from .summarise.servicegraph import build_edges, percentile
from .summarise.spans import Span, error_origins, spans_from_otlp, summarise_trace
from .timerange import TimeRangeInput
from .trace_scope import Scoped, in_scope, namespace_term, quote

_TRACEQL_DURATION = r"^\d+(\.\d+)?(ns|us|µs|ms|s|m|h)$"
_GRAPH_SAMPLE = 25  # traces fetched to build a service graph
_GRAPH_ERRORS = 10  # of which at most this many are failing traces


class TraceInput(TimeRangeInput):
    """Input of ``trace_lookup``."""

    trace_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{1,32}$",
        description="Hex trace id to fetch; omit to search.",
    )
    service: str | None = Field(
        default=None, description="Search: root or any span's service.name."
    )
    errors_only: bool = Field(default=False, description="Search: only traces with error spans.")
    min_duration: str | None = Field(
        default=None,
        pattern=_TRACEQL_DURATION,
        description="Search: minimum span duration, e.g. 500ms, 2s.",
    )
    limit: int = Field(default=20, ge=1, le=50, description="Search: most traces to return.")


def traceql(
    namespaces: frozenset[str], service: str | None, errors_only: bool, min_duration: str | None
) -> str:
    """The TraceQL span filter for the search parameters, within the in-scope namespaces.

    Raises:
        ValueError: no namespace is in scope.
    """
    terms = [namespace_term(namespaces)]
    if service:
        terms.append(f"resource.service.name={quote(service)}")
    if errors_only:
        terms.append("status=error")
    if min_duration:
        terms.append(f"duration>{min_duration}")
    return "{ " + " && ".join(terms) + " }"


def _fetch_spans(
    tempo: TempoReader, trace_id: str, namespaces: frozenset[str]
) -> tuple[list[Span], int, Scoped]:
    """The trace's in-scope spans, the bytes Tempo sent, and what was withheld."""
    fetched = tempo.trace(trace_id)
    scoped = in_scope(fetched.body if isinstance(fetched.body, dict) else {}, namespaces)
    return spans_from_otlp(scoped.body), fetched.raw_bytes, scoped


def _no_scope(tool: str, span: TimeSpan) -> ToolResult:
    return ToolResult(
        tool=tool,
        status="denied",
        time_range=span,
        summary=f"{tool}: no namespace is in this investigation's scope, so no trace may be read",
    )


def _one_trace(
    args: TraceInput, tempo: TempoReader, ctx: ToolContext, span: TimeSpan
) -> ToolResult:
    trace_id = str(args.trace_id).lower()
    request = f"GET /api/traces/{trace_id}"
    namespaces = ctx.scope.namespaces
    try:
        spans, raw, scoped = _fetch_spans(tempo, trace_id, namespaces)
    except BackendError as exc:
        return failed("trace_lookup", exc, request, span, f"trace {trace_id}")
    summary = summarise_trace(spans)
    withheld = scoped.note(namespaces)
    head = summary.lines()[:2]
    if not spans and withheld:
        head = [f"Trace {trace_id} has no spans in the investigation's namespaces."]
    return envelope(
        tool="trace_lookup",
        request=request,
        span=None,
        head=head,
        items=summary.lines()[2:],
        max_chars=ctx.limits.max_chars,
        data={
            "trace_id": trace_id,
            "root": summary.root,
            "duration_ms": summary.duration_ms,
            "span_count": summary.span_count,
            "services": summary.services,
            "errors": summary.errors,
            "critical_path": summary.critical_path,
            "error_origins": error_origins(spans)[:5],
        },
        raw_bytes=raw,
        narrow_hint="",
        empty=not spans,
        flags=untrusted_flags(s.message for s in spans if s.message),
        hints=[withheld] if withheld else [],
    )


def _search(args: TraceInput, tempo: TempoReader, ctx: ToolContext, span: TimeSpan) -> ToolResult:
    query = traceql(ctx.scope.namespaces, args.service, args.errors_only, args.min_duration)
    request = f"TraceQL {query} {span_text(span)} limit {args.limit}"
    try:
        fetched = tempo.search(query, span.start, span.end, args.limit)
    except BackendError as exc:
        return failed("trace_lookup", exc, request, span, f"traces over {span_text(span)}")
    traces: list[dict[str, Any]] = []
    for item in (fetched.body or {}).get("traces") or []:
        matched = sum(
            int(s.get("matched") or len(s.get("spans") or [])) for s in item.get("spanSets") or []
        )
        traces.append(
            {
                "trace_id": item.get("traceID"),
                "root": f"{item.get('rootServiceName')} {item.get('rootTraceName')}",
                "start": clock(int(item.get("startTimeUnixNano") or 0) / 1e9),
                "duration_ms": item.get("durationMs", 0) or 0,
                "matched_spans": matched,
            }
        )
    traces.sort(key=lambda t: -float(t["duration_ms"]))
    lines = [
        f"{t['trace_id']} {t['start']} root {t['root']} {t['duration_ms']} ms, {t['matched_spans']} matching spans"
        for t in traces
    ]
    return envelope(
        tool="trace_lookup",
        request=request,
        span=span,
        head=[f"{len(traces)} traces (longest first); fetch one with trace_id for its span tree"],
        items=lines,
        max_chars=ctx.limits.max_chars,
        data={"query": query, "traces": traces},
        raw_bytes=fetched.raw_bytes,
        narrow_hint="Narrow with service, errors_only, min_duration or a shorter range.",
        empty=not traces,
    )


def trace_lookup(args: TraceInput, ctx: ToolContext) -> ToolResult:
    """Look at distributed traces in Tempo: one trace by id, or a search.

    With `trace_id`: the span tree summarised — services, span count, duration, error spans
    with their messages, and the critical path (the chain of spans the end of the trace waited
    on). Without it: a TraceQL search built from `service`, `errors_only` and `min_duration`
    over the range (default last hour) → matching traces with root service, duration and the
    number of matching spans; then fetch the interesting ones by id. Only spans in the
    investigation's namespaces (resource attribute k8s.namespace.name) are searched and shown.
    """
    span = args.span(ctx)
    tempo = ctx.backends.tempo
    if tempo is None:
        return not_configured("trace_lookup", "Tempo", "trace search", span)
    if not ctx.scope.namespaces:
        return _no_scope("trace_lookup", span)
    if args.trace_id:
        return _one_trace(args, tempo, ctx, span)
    return _search(args, tempo, ctx, span)


class GraphInput(TimeRangeInput):
    """Input of ``service_graph``."""

    service: str | None = Field(
        default=None, description="Only traces involving this service.name."
    )


def service_graph(args: GraphInput, ctx: ToolContext) -> ToolResult:
    """Map which services call which, with call counts, error rates and p50/p95 latency.

    Built from a sample of traces in the range (default last hour), failing traces first,
    optionally only traces touching `service`. Use it to find the dependency where errors or latency originate: an
    edge with a high error rate or p95 points at the callee. Only spans in the
    investigation's namespaces are used.
    """
    span = args.span(ctx)
    namespaces = ctx.scope.namespaces
    if not namespaces:
        return _no_scope("service_graph", span)
    query = traceql(namespaces, args.service, False, None)
    failing = traceql(namespaces, args.service, True, None)
    request = (
        f"TraceQL {failing} limit {_GRAPH_ERRORS} and {query} {span_text(span)} limit "
        f"{_GRAPH_SAMPLE}, then GET /api/traces/<id> for each of {_GRAPH_SAMPLE}"
    )
    tempo = ctx.backends.tempo
    if tempo is None:
        return not_configured("service_graph", "Tempo", request, span)
    spans: list[Span] = []
    withheld = unlabelled = 0
    try:
        # A plain sample may hold no failing trace at all when errors are a few percent of
        # traffic; failing traces go first so the edges where errors start are always seen.
        with_errors = tempo.search(failing, span.start, span.end, _GRAPH_ERRORS)
        found = tempo.search(query, span.start, span.end, _GRAPH_SAMPLE)
        raw = with_errors.raw_bytes + found.raw_bytes
        listed = [
            *((with_errors.body or {}).get("traces") or []),
            *((found.body or {}).get("traces") or []),
        ]
        ids = list(dict.fromkeys(str(t.get("traceID")) for t in listed if t.get("traceID")))
        ids = ids[:_GRAPH_SAMPLE]
        for trace_id in ids:
            got, size, scoped = _fetch_spans(tempo, trace_id, namespaces)
            spans.extend(got)
            raw += size
            withheld += scoped.withheld_spans
            unlabelled += scoped.unlabelled_spans
    except BackendError as exc:
        return failed("service_graph", exc, request, span, f"service graph over {span_text(span)}")
    edges = build_edges(spans)
    return envelope(
        tool="service_graph",
        request=request,
        span=span,
        head=[f"{len(edges)} edges from {len(ids)} sampled traces ({len(spans)} spans)"],
        items=[e.line() for e in edges],
        max_chars=ctx.limits.max_chars,
        data={
            "traces_sampled": len(ids),
            "edges": [
                {
                    "caller": e.caller,
                    "callee": e.callee,
                    "calls": e.calls,
                    "error_rate": round(e.error_rate, 4),
                    "p50_ms": round(percentile(e.durations_ms, 0.5), 1),
                    "p95_ms": round(percentile(e.durations_ms, 0.95), 1),
                }
                for e in edges
            ],
        },
        raw_bytes=raw,
        narrow_hint="Narrow with service or a shorter range.",
        empty=not edges,
        hints=[n for n in [Scoped({}, withheld, unlabelled).note(namespaces)] if n],
    )
