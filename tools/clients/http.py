"""A small JSON-over-HTTP reader and the base class of the Loki, Tempo and Alertmanager clients.

Transport errors and HTTP error statuses are mapped here, at the edge, to the project's
``BackendUnavailable`` and ``BackendQueryError``, each naming the backend and the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx2

from agent.errors import BackendQueryError, BackendUnavailable

from .connection import Connection, as_connection

Params = Mapping[str, str | int | float | Sequence[str]]

# Backend error bodies can be long stack traces; the gap only needs the gist.
_MAX_ERROR_CHARS = 300


@dataclass(frozen=True, slots=True)
class Fetched:
    """A parsed response body and the byte size of the raw response it came from."""

    body: Any
    raw_bytes: int


def error_message(text: str) -> str:
    """The backend's own error message from a JSON envelope, else the text, shortened."""
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict):
        for key in ("error", "message"):
            if isinstance(document.get(key), str):
                text = document[key]
                break
    text = " ".join(text.split())
    return text[:_MAX_ERROR_CHARS] + ("…" if len(text) > _MAX_ERROR_CHARS else "")


class JsonReader:
    """GET JSON documents from one backend through a read-only transport."""

    def __init__(
        self,
        name: str,
        connection: Connection,
        *,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.url = connection.url
        self._client = connection.httpx_client(transport)

    def get_json(self, path: str, params: Params | None = None) -> Fetched:
        """GET ``path`` and parse its JSON body.

        Raises:
            BackendUnavailable: the backend could not be reached or timed out.
            BackendQueryError: it answered with an error status or a body that is not JSON.
        """
        try:
            response = self._client.get(path, params=dict(params or {}))
        except httpx2.RequestError as exc:
            raise BackendUnavailable(f"{self.name} unreachable at {self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise BackendQueryError(
                f"{self.name} rejected GET {path} (HTTP {response.status_code}): "
                f"{error_message(response.text)}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise BackendQueryError(f"{self.name} returned invalid JSON for GET {path}") from exc
        return Fetched(body=body, raw_bytes=len(response.content))

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


class HttpReader:
    """What every HTTP backend's reader shares: its ``JsonReader``, base URL and ``close``."""

    backend: ClassVar[str]  # the name errors give it: "Loki", "Tempo", "Alertmanager"

    def __init__(
        self,
        target: str | Connection,
        *,
        timeout: float | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self._http = JsonReader(self.backend, as_connection(target, timeout), transport=transport)

    @property
    def url(self) -> str:
        """The base URL."""
        return self._http.url

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


def envelope_data(fetched: Fetched, name: str, path: str) -> Fetched:
    """Unwrap a Prometheus-style ``{"status": "success", "data": ...}`` envelope.

    Raises:
        BackendQueryError: the envelope reports an error or has no ``data``.
    """
    body = fetched.body
    if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
        message = body.get("error") if isinstance(body, dict) else None
        raise BackendQueryError(f"{name} returned no data for GET {path}: {message or body!r:.200}")
    return Fetched(body=body["data"], raw_bytes=fetched.raw_bytes)
