"""The replay server's span model and the trace index built from recorded OTLP/JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.errors import BundleError, Problem
from agent.replay.tempo.otlp import (
    SPAN_KINDS,
    STATUS_CODES,
    AttrValue,
    OtlpFormatError,
    decode_attributes,
    decode_enum,
    decode_id,
    decode_nanos,
)

TRACES_FILE = "traces.jsonl"
UNKNOWN_SERVICE = "<unknown service>"
# What Tempo reports when a trace has no span without a parent.
ROOT_NOT_RECEIVED = "<root span not yet received>"


@dataclass(frozen=True, slots=True)
class Span:
    """One span, normalised: hex ids, short enum names, nanosecond times, decoded attributes."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    name: str
    kind: str  # one of otlp.SPAN_KINDS
    status: str  # one of otlp.STATUS_CODES
    status_message: str
    start_ns: int
    end_ns: int
    resource: dict[str, AttrValue]
    attributes: dict[str, AttrValue]
    events: list[dict[str, Any]] = field(default_factory=list)
    scope: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_ns(self) -> int:
        """The span's duration in nanoseconds."""
        return self.end_ns - self.start_ns


@dataclass(frozen=True, slots=True)
class Trace:
    """All spans of one trace, in recorded order, with the summary Tempo's search reports."""

    trace_id: str
    spans: tuple[Span, ...]
    size_bytes: int

    @property
    def start_ns(self) -> int:
        """Start of the earliest span."""
        return min(s.start_ns for s in self.spans)

    @property
    def end_ns(self) -> int:
        """End of the latest span."""
        return max(s.end_ns for s in self.spans)

    @property
    def root(self) -> Span | None:
        """The earliest span without a parent, or ``None`` when it was never recorded."""
        roots = [s for s in self.spans if s.parent_id is None]
        return min(roots, key=lambda s: s.start_ns) if roots else None

    def overlaps(self, start_ns: int | None, end_ns: int | None) -> bool:
        """Whether the trace overlaps ``[start_ns, end_ns]`` (open-ended when ``None``)."""
        after_start = start_ns is None or self.end_ns >= start_ns
        before_end = end_ns is None or self.start_ns <= end_ns
        return after_start and before_end


class TraceStore:
    """Recorded traces indexed by hex trace id."""

    def __init__(self, traces: Mapping[str, Trace]) -> None:
        self._traces = dict(traces)

    def get(self, trace_id: str) -> Trace | None:
        """The trace with this 32-digit lowercase hex id, if recorded."""
        return self._traces.get(trace_id)

    def __iter__(self) -> Iterator[Trace]:
        return iter(self._traces.values())

    def __len__(self) -> int:
        return len(self._traces)

    def spans(self) -> Iterator[Span]:
        """Every span of every trace."""
        for trace in self._traces.values():
            yield from trace.spans


def index_traces(traces_data: Sequence[Mapping[str, Any]]) -> TraceStore:
    """Normalise recorded ``TracesData`` objects (one per line of traces.jsonl) into a store.

    Spans of one trace may be spread over several objects; they are merged.

    Raises:
        BundleError: an object is malformed; every problem is listed with its line number.
    """
    spans_by_trace: dict[str, list[Span]] = {}
    sizes: dict[str, int] = {}
    problems: list[Problem] = []
    for line_no, traces_obj in enumerate(traces_data, start=1):
        try:
            spans = list(_decode_traces_data(traces_obj))
        except (OtlpFormatError, TypeError, AttributeError) as exc:
            problems.append(Problem(TRACES_FILE, line_no, str(exc)))
            continue
        # Used only for Tempo's inspectedBytes figure, so an approximate size will do.
        size = len(json.dumps(traces_obj, separators=(",", ":")))
        for span in spans:
            spans_by_trace.setdefault(span.trace_id, []).append(span)
        for trace_id in {s.trace_id for s in spans}:
            sizes[trace_id] = sizes.get(trace_id, 0) + size
    if problems:
        raise BundleError(problems)
    return TraceStore(
        {tid: Trace(tid, tuple(spans), sizes[tid]) for tid, spans in spans_by_trace.items()}
    )


def _decode_traces_data(traces_obj: Mapping[str, Any]) -> Iterator[Span]:
    resource_spans = traces_obj.get("resourceSpans")
    if not isinstance(resource_spans, list):
        raise OtlpFormatError("expected a TracesData object with a 'resourceSpans' list")
    for rs in resource_spans:
        resource = decode_attributes((rs.get("resource") or {}).get("attributes"))
        service = resource.get("service.name")
        for ss in rs.get("scopeSpans") or []:
            scope = dict(ss.get("scope") or {})
            for raw in ss.get("spans") or []:
                yield _decode_span(raw, resource, service, scope)


def _decode_span(
    raw: Mapping[str, Any],
    resource: dict[str, AttrValue],
    service: AttrValue,
    scope: dict[str, Any],
) -> Span:
    span_id = decode_id(raw.get("spanId"), 8, "spanId")
    where = f"span {span_id}"
    parent_raw = raw.get("parentSpanId")
    status = raw.get("status") or {}
    name = raw.get("name")
    if not isinstance(name, str):
        raise OtlpFormatError(f"{where}: 'name' must be a string, got {name!r}")
    return Span(
        trace_id=decode_id(raw.get("traceId"), 16, f"{where}: traceId"),
        span_id=span_id,
        parent_id=decode_id(parent_raw, 8, f"{where}: parentSpanId") if parent_raw else None,
        service=service if isinstance(service, str) else UNKNOWN_SERVICE,
        name=name,
        kind=decode_enum(raw.get("kind"), SPAN_KINDS, "SPAN_KIND_", f"{where}: kind"),
        status=decode_enum(status.get("code"), STATUS_CODES, "STATUS_CODE_", f"{where}: status"),
        status_message=str(status.get("message") or ""),
        start_ns=decode_nanos(raw.get("startTimeUnixNano"), f"{where}: startTimeUnixNano"),
        end_ns=decode_nanos(raw.get("endTimeUnixNano"), f"{where}: endTimeUnixNano"),
        resource=resource,
        attributes=decode_attributes(raw.get("attributes")),
        events=list(raw.get("events") or []),
        scope=scope,
    )
