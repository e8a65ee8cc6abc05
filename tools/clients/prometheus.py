"""Prometheus reader over prometheus-api-client, with errors mapped at the edge.

Every call passes explicit times from the investigation clock: the library's own time defaults
are evaluated at import time and would silently query the wrong range.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import requests
from prometheus_api_client import PrometheusConnect
from prometheus_api_client.exceptions import PrometheusApiClientException
from urllib3.util.retry import Retry

from agent.errors import BackendQueryError, BackendUnavailable

from .connection import Connection, as_connection
from .http import Fetched, error_message

T = TypeVar("T")

# One quick retry on connection failure only: retrying a query timeout just doubles the wait,
# and the library default (3 retries with backoff) would stall a "backend down" gap for seconds.
_RETRY = Retry(total=1, connect=1, read=0, status=0, backoff_factor=0.1)


class PrometheusReader:
    """Read-only Prometheus client: instant and range queries, names, label values, series."""

    def __init__(self, target: str | Connection, *, timeout: float | None = None) -> None:
        connection = as_connection(target, timeout)
        self.url = connection.url
        self._timeout = connection.timeout
        self._session = connection.requests_session()
        self._prom = PrometheusConnect(
            url=self.url,
            session=self._session,
            retry=_RETRY,
            timeout=self._timeout,
            method="GET",
        )

    def _call(self, what: str, func: Callable[[], T]) -> tuple[T, int]:
        """Run one library call; map its errors; return the result and the raw response size."""
        try:
            result = func()
        except requests.RequestException as exc:
            raise BackendUnavailable(f"Prometheus unreachable at {self.url}: {exc}") from exc
        except PrometheusApiClientException as exc:
            last = self._session.last_response
            detail = error_message(last.text) if last is not None else str(exc)
            status = f"HTTP {last.status_code}" if last is not None else "error"
            raise BackendQueryError(f"Prometheus rejected {what} ({status}): {detail}") from exc
        except (KeyError, ValueError) as exc:
            raise BackendQueryError(f"Prometheus returned a malformed answer to {what}") from exc
        last = self._session.last_response
        return result, len(last.content) if last is not None else 0

    def _params(self, **params: Any) -> dict[str, Any]:
        # Prometheus's own evaluation timeout, a little under the HTTP timeout.
        return {"timeout": f"{max(1.0, self._timeout - 1):g}s", **params}

    def query(self, query: str, time: datetime) -> Fetched:
        """Instant query at ``time``; ``body`` is the result list (vector items)."""
        result, size = self._call(
            f"instant query {query!r}",
            lambda: self._prom.custom_query(query, params=self._params(time=time.timestamp())),
        )
        return Fetched(body=result, raw_bytes=size)

    def query_range(self, query: str, start: datetime, end: datetime, step: str) -> Fetched:
        """Range query; ``body`` is the result list (matrix items with ``values``)."""
        result, size = self._call(
            f"range query {query!r}",
            lambda: self._prom.custom_query_range(
                query, start_time=start, end_time=end, step=step, params=self._params()
            ),
        )
        return Fetched(body=result, raw_bytes=size)

    def label_values(
        self,
        label: str,
        match: list[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[str]:
        """Values of ``label``, optionally restricted to series matching ``match[]``."""
        params: dict[str, Any] = {}
        if match:
            params["match[]"] = match
        if start is not None:
            params["start"] = start.timestamp()
        if end is not None:
            params["end"] = end.timestamp()
        result, _ = self._call(
            f"label values of {label}", lambda: self._prom.get_label_values(label, params=params)
        )
        return [str(v) for v in result]

    def metric_names(
        self, contains: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[str]:
        """Metric names (values of ``__name__``) containing ``contains``, case-insensitively."""
        needle = contains.lower()
        return [
            n for n in self.label_values("__name__", start=start, end=end) if needle in n.lower()
        ]

    def label_names(
        self, match: list[str], start: datetime | None = None, end: datetime | None = None
    ) -> list[str]:
        """Label names present on the series matching any selector in ``match``."""
        params: dict[str, Any] = {"match[]": match}
        if start is not None:
            params["start"] = start.timestamp()
        if end is not None:
            params["end"] = end.timestamp()
        result, _ = self._call(
            f"label names of {match}", lambda: self._prom.get_label_names(params=params)
        )
        return [str(v) for v in result]

    def series(self, match: list[str], start: datetime, end: datetime) -> list[dict[str, str]]:
        """Label sets of the series matching any selector in ``match`` within ``[start, end]``."""
        result, _ = self._call(
            f"series {match}",
            lambda: self._prom.get_series(start, end, params={"match[]": match}),
        )
        return [dict(item) for item in result]

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()
