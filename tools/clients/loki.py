"""Loki reader: LogQL range queries and label/series discovery, nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

import httpx2

from agent.timeutil import to_ns

from .connection import Connection, as_connection
from .http import Fetched, HttpReader, envelope_data

Direction = Literal["backward", "forward"]
Instant = datetime | int  # an aware datetime, or epoch nanoseconds (exact, for pagination)


def _ns(moment: Instant) -> int:
    return moment if isinstance(moment, int) else to_ns(moment)


class LokiReader(HttpReader):
    """Read-only Loki client; every method returns the envelope's ``data`` and the raw size."""

    backend = "Loki"

    def __init__(
        self,
        target: str | Connection,
        *,
        timeout: float | None = None,
        tenant: str | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        connection = as_connection(target, timeout)
        if tenant:
            connection = replace(
                connection, headers={**connection.headers, "X-Scope-OrgID": tenant}
            )
        super().__init__(connection, transport=transport)

    def _get(self, path: str, params: dict[str, str | int | list[str]]) -> Fetched:
        return envelope_data(self._http.get_json(path, params), "Loki", path)

    def query_range(
        self,
        query: str,
        start: Instant,
        end: Instant,
        limit: int,
        direction: Direction = "backward",
        step: str | None = None,
    ) -> Fetched:
        """Run a LogQL log or metric query over ``[start, end]`` (``data`` has ``resultType``)."""
        params: dict[str, str | int | list[str]] = {
            "query": query,
            "start": _ns(start),
            "end": _ns(end),
            "limit": limit,
            "direction": direction,
        }
        if step:
            params["step"] = step
        return self._get("/loki/api/v1/query_range", params)

    def labels(self, start: datetime, end: datetime) -> Fetched:
        """Label names seen in ``[start, end]``."""
        return self._get("/loki/api/v1/labels", {"start": to_ns(start), "end": to_ns(end)})

    def label_values(
        self, name: str, start: datetime, end: datetime, query: str | None = None
    ) -> Fetched:
        """Values of label ``name`` in ``[start, end]``, optionally within a stream selector."""
        params: dict[str, str | int | list[str]] = {"start": to_ns(start), "end": to_ns(end)}
        if query:
            params["query"] = query
        return self._get(f"/loki/api/v1/label/{name}/values", params)

    def series(self, match: list[str], start: datetime, end: datetime) -> Fetched:
        """Label sets of the streams matching any selector in ``match``."""
        return self._get(
            "/loki/api/v1/series", {"match[]": match, "start": to_ns(start), "end": to_ns(end)}
        )
