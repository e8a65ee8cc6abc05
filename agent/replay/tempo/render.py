"""Render an indexed trace back into the OTLP/JSON Tempo answers with."""

from __future__ import annotations

import json
from typing import Any

from agent.replay.tempo.model import Span, Trace
from agent.replay.tempo.otlp import (
    SPAN_KINDS,
    STATUS_CODES,
    encode_attributes,
    encode_enum,
    hex_to_base64,
)


def render_resource_spans(trace: Trace) -> list[dict[str, Any]]:
    """The trace as a list of OTLP ``ResourceSpans``, ids base64 and enums named like Tempo.

    Spans sharing a resource and an instrumentation scope are grouped together, keeping the
    recorded order of first appearance.
    """
    batches: dict[str, tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]] = {}
    scopes: dict[tuple[str, str], dict[str, Any]] = {}
    # Spans of one recorded batch share its resource and scope objects: serialise each once.
    keys: dict[int, str] = {}

    def _key(value: dict[str, Any]) -> str:
        found = keys.get(id(value))
        if found is None:
            found = keys[id(value)] = _serialised(value)
        return found

    for span in trace.spans:
        resource_key = _key(span.resource)
        if resource_key not in batches:
            resource = {"attributes": encode_attributes(span.resource)}
            batches[resource_key] = (resource, {})
        spans_by_scope = batches[resource_key][1]
        scope_key = _key(span.scope)
        scopes.setdefault((resource_key, scope_key), span.scope)
        spans_by_scope.setdefault(scope_key, []).append(render_span(span))
    return [
        {
            "resource": resource,
            "scopeSpans": [
                {"scope": scopes[(resource_key, scope_key)], "spans": spans}
                for scope_key, spans in spans_by_scope.items()
            ],
        }
        for resource_key, (resource, spans_by_scope) in batches.items()
    ]


def render_span(span: Span) -> dict[str, Any]:
    """One span in Tempo's JSON: base64 ids, enum names, nanoseconds as decimal strings."""
    rendered: dict[str, Any] = {
        "traceId": hex_to_base64(span.trace_id),
        "spanId": hex_to_base64(span.span_id),
    }
    # protobuf JSON mapping omits empty fields; Tempo's output does too.
    if span.parent_id is not None:
        rendered["parentSpanId"] = hex_to_base64(span.parent_id)
    rendered["name"] = span.name
    rendered["kind"] = encode_enum(span.kind, SPAN_KINDS, "SPAN_KIND_")
    rendered["startTimeUnixNano"] = str(span.start_ns)
    rendered["endTimeUnixNano"] = str(span.end_ns)
    if span.attributes:
        rendered["attributes"] = encode_attributes(span.attributes)
    status: dict[str, Any] = {}
    if span.status != STATUS_CODES[0]:
        status["code"] = encode_enum(span.status, STATUS_CODES, "STATUS_CODE_")
    if span.status_message:
        status["message"] = span.status_message
    rendered["status"] = status
    if span.events:
        rendered["events"] = span.events
    return rendered


def _serialised(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=repr)
