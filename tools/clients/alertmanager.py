"""Alertmanager reader: list alerts (v2 API) and find one by fingerprint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.errors import BackendQueryError

from .http import HttpReader

_PATH = "/api/v2/alerts"


class AlertmanagerReader(HttpReader):
    """Read-only Alertmanager client."""

    backend = "Alertmanager"

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
