"""Tempo reader: fetch one trace, search with TraceQL, list tag values."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from .http import Fetched, HttpReader

_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def b64_to_hex(value: str) -> str:
    """Convert a base64 OTLP id to lowercase hex; ids already in hex pass through unchanged."""
    if value and all(c in "0123456789abcdefABCDEF" for c in value) and len(value) in (16, 32):
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return value


def _hex_ids(node: Any) -> Any:
    """Copy of an OTLP JSON tree with every trace/span id converted to hex."""
    if isinstance(node, dict):
        return {
            k: b64_to_hex(v) if k in _ID_KEYS and isinstance(v, str) else _hex_ids(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_hex_ids(item) for item in node]
    return node


class TempoReader(HttpReader):
    """Read-only Tempo client."""

    backend = "Tempo"

    def trace(self, trace_id: str) -> Fetched:
        """One trace as OTLP JSON (``{"batches": [...]}``) with hex ids."""
        fetched = self._http.get_json(f"/api/traces/{trace_id}")
        return Fetched(body=_hex_ids(fetched.body), raw_bytes=fetched.raw_bytes)

    def search(self, q: str, start: datetime, end: datetime, limit: int = 20) -> Fetched:
        """TraceQL search over ``[start, end]``; ``body["traces"]`` lists trace summaries."""
        params: dict[str, str | int] = {
            "q": q,
            "start": int(start.timestamp()),
            "end": int(end.timestamp()) + 1,  # seconds resolution: make the end inclusive
            "limit": limit,
        }
        return self._http.get_json("/api/search", params)

    def tag_values(self, tag: str) -> list[str]:
        """Values of a TraceQL tag such as ``resource.service.name``."""
        fetched = self._http.get_json(f"/api/v2/search/tag/{tag}/values")
        values = fetched.body.get("tagValues", []) if isinstance(fetched.body, dict) else []
        return [str(v.get("value")) for v in values if isinstance(v, dict)]
