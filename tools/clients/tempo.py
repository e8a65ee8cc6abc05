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


def hex_ids_in_place(node: Any) -> Any:
    """Convert every trace/span id in a freshly decoded OTLP JSON tree to hex; returns it.

    In place: the tree is the reader's own decoded response, and rebuilding every object of a
    trace cost more than the conversion itself.
    """
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _ID_KEYS and isinstance(value, str):
                node[key] = b64_to_hex(value)
            elif isinstance(value, dict | list):
                hex_ids_in_place(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict | list):
                hex_ids_in_place(item)
    return node


class TempoReader(HttpReader):
    """Read-only Tempo client."""

    backend = "Tempo"

    def trace(self, trace_id: str) -> Fetched:
        """One trace as OTLP JSON (``{"batches": [...]}``) with hex ids."""
        fetched = self._http.get_json(f"/api/traces/{trace_id}")
        return Fetched(body=hex_ids_in_place(fetched.body), raw_bytes=fetched.raw_bytes)

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
