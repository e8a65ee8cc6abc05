"""Read-only enforcement at the transport level, one guard per client library.

The readers only ever issue GETs; these guards make that a property of the transport rather than
of the readers' code, so a future bug (or a library issuing a hidden POST) fails before anything
leaves the process. Each guard raises ``ReadOnlyViolation`` *before* sending.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx2
import requests
from kubernetes import client as k8s

if TYPE_CHECKING:
    from requests.sessions import _Settings

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
        self._environment: dict[tuple[Any, ...], _Settings] = {}

    def merge_environment_settings(
        self,
        url: str | bytes | None,
        proxies: MutableMapping[str, str] | None,
        stream: bool | None,
        verify: bool | str | None,
        cert: str | tuple[str, str] | None,
    ) -> _Settings:
        """Merge the environment's proxy and CA settings as requests does, read once per host.

        requests reads every environment variable twice on each request to look for proxies
        (a fifth of a loopback query's client time); this session reads them on its first
        request to a scheme and host, as httpx reads them when a client is built. A reader,
        and so its session, lives for one investigation. Every other input is in the key.
        """
        parts = urlsplit(url.decode() if isinstance(url, bytes) else url or "")
        key = (
            parts.scheme,
            parts.netloc,
            _frozen(proxies),
            stream,
            verify,
            cert,
            _frozen(self.proxies),
            self.stream,
            self.verify,
            self.cert,
            self.trust_env,
        )
        merged = self._environment.get(key)
        if merged is None:
            merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = merged
        # requests may fill in the proxies it is given: hand out copies, keep the original.
        return {**merged, "proxies": copy.copy(merged["proxies"])}

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


def _frozen(mapping: Mapping[str, str] | None) -> tuple[tuple[str, str], ...] | None:
    return None if mapping is None else tuple(sorted(mapping.items()))


class ReadOnlyApiClient(k8s.ApiClient):
    """A Kubernetes ``ApiClient`` whose single I/O method refuses everything but GET/HEAD."""

    def call_api(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Refuse non-read requests, forward the rest to the real client."""
        check_read(method, url)
        return super().call_api(method, url, *args, **kwargs)
