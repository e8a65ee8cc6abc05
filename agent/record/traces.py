"""Record the window's traces from Tempo as ``traces.jsonl`` (OTLP/JSON, hex ids).

Tempo's search finds the trace ids; each trace is fetched whole. The reader already converts
Tempo's base64 ids to hex; here ``batches`` becomes OTLP's ``resourceSpans`` and every string
is redacted — attributes (span, resource, event, link), status messages, span and event names
— except the ids and timestamps the replay needs verbatim.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.safety.redact import Redactor
from tools.clients import TempoReader

MAX_TRACES = 2000


# Fields the replay needs verbatim: ids, times and enums, never free text.
_VERBATIM = frozenset(
    {"traceId", "spanId", "parentSpanId", "startTimeUnixNano", "endTimeUnixNano",
     "timeUnixNano", "kind", "code", "flags", "traceState"}
)  # fmt: skip


def _redact_spans(node: Any, redactor: Redactor) -> Any:
    if isinstance(node, dict):
        return {k: v if k in _VERBATIM else _redact_spans(v, redactor) for k, v in node.items()}
    if isinstance(node, list):
        return [_redact_spans(item, redactor) for item in node]
    if isinstance(node, str):
        return redactor.redact(node)
    return node


def otlp_document(body: Any, redactor: Redactor) -> dict[str, Any]:
    """One fetched trace as an OTLP/JSON ``TracesData`` with every free-text string redacted."""
    if not isinstance(body, dict):
        return {"resourceSpans": []}
    spans = body.get("resourceSpans") or body.get("batches") or []
    return {"resourceSpans": _redact_spans(spans, redactor)}


def record_traces(
    tempo: TempoReader,
    start: datetime,
    end: datetime,
    redactor: Redactor,
    out: Path,
    limit: int = MAX_TRACES,
) -> int:
    """Write ``out`` and return how many traces it holds."""
    found = tempo.search("{}", start, end, limit=limit).body
    ids = sorted({str(t["traceID"]) for t in found.get("traces", []) if t.get("traceID")})
    with out.open("w", encoding="utf-8") as handle:
        for trace_id in ids:
            document = otlp_document(tempo.trace(trace_id).body, redactor)
            handle.write(json.dumps(document, separators=(",", ":")) + "\n")
    return len(ids)
