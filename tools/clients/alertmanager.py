"""Alertmanager reader: list alerts (v2 API) and find one by fingerprint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx2

from agent.errors import BackendQueryError

from .connection import Connection, as_connection
from .http import JsonReader

_PATH = "/api/v2/alerts"


class AlertmanagerReader:
    """Read-only Alertmanager client."""

    def __init__(
        self,
        target: str | Connection,
        *,
        timeout: float | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self._http = JsonReader("Alertmanager", as_connection(target, timeout), transport=transport)

    @property
    def url(self) -> str:
        """The base URL."""
        return self._http.url

    def alerts(
        self,
        filters: Sequence[str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
    ) -> list[dict[str, Any]]:
        """``gettableAlert`` dicts matching every matcher in ``filters`` (``alertname="X"``)."""
        params = {
            "filter": list(filters),
            "active": str(active).lower(),
            "silenced": str(silenced).lower(),
            "inhibited": str(inhibited).lower(),
        }
        body = self._http.get_json(_PATH, params).body
        if not isinstance(body, list):
            raise BackendQueryError(f"Alertmanager returned {type(body).__name__}, not a list")
        return [item for item in body if isinstance(item, dict)]

    def find(self, fingerprint: str, filters: Sequence[str] = ()) -> dict[str, Any] | None:
        """The alert with ``fingerprint`` (matched client-side: the v2 API has no such lookup)."""
        for item in self.alerts(filters, active=True):
            if item.get("fingerprint") == fingerprint:
                return item
        return None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()
