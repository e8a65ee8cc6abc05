"""Read-only enforcement at the transport level, one guard per client library.

The readers only ever issue GETs; these guards make that a property of the transport rather than
of the readers' code, so a future bug (or a library issuing a hidden POST) fails before anything
leaves the process. Each guard raises ``ReadOnlyViolation`` *before* sending.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx2
import requests
from kubernetes import client as k8s

# HEAD is harmless and some health checks use it.
READ_METHODS = frozenset({"GET", "HEAD"})


class ReadOnlyViolation(PermissionError):
    """A client tried to send a request that is not a read (GET/HEAD); it was never sent."""


def check_read(method: str, url: object) -> None:
    """Raise ``ReadOnlyViolation`` unless ``method`` is a read method."""
    if method.upper() not in READ_METHODS:
        raise ReadOnlyViolation(f"refused {method.upper()} {url}: the agent is read-only")


class ReadOnlyTransport(httpx2.BaseTransport):
    """An httpx2 transport that forwards only GET/HEAD requests to the wrapped transport."""

    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Refuse non-read requests, forward the rest."""
        check_read(request.method, request.url)
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()


class ReadOnlySession(requests.Session):
    """A ``requests`` session that refuses non-read requests and counts received bytes.

    Guarding ``send`` rather than an adapter matters: ``PrometheusConnect`` mounts its own
    retrying ``HTTPAdapter`` on its URL, which would shadow an adapter mounted here.
    The last response is kept per thread so callers can read Prometheus's error message,
    which prometheus-api-client folds into an opaque exception string.
    """

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Refuse non-read requests; remember the response of the rest."""
        check_read(request.method or "", request.url)
        response = super().send(request, **kwargs)
        self._local.last = response
        return response

    @property
    def last_response(self) -> requests.Response | None:
        """The last response received on this thread, if any."""
        last: requests.Response | None = getattr(self._local, "last", None)
        return last


class ReadOnlyApiClient(k8s.ApiClient):
    """A Kubernetes ``ApiClient`` whose single I/O method refuses everything but GET/HEAD."""

    def call_api(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Refuse non-read requests, forward the rest to the real client."""
        check_read(method, url)
        return super().call_api(method, url, *args, **kwargs)
