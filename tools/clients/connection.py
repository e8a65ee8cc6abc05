"""How a reader reaches its backend: URL, headers, credentials and TLS, in one shape.

``Connection`` is built from ``agent.config.backends.ConnectionSettings`` and turns it into what each
HTTP library needs: an ``httpx2`` client (Loki, Tempo, Alertmanager) or a ``requests`` session
(Prometheus through prometheus-api-client). Credentials are attached per request by an auth
hook, so a token file that is rotated (a projected service-account token) is picked up on the
next request without a restart (``agent.secretfile.Secret``). No error built here contains a
secret value.
"""

from __future__ import annotations

import base64
import ipaddress
import ssl
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import requests

from agent.config.backends import ConnectionSettings
from agent.errors import BackendUnavailable, SecretUnavailable
from agent.secretfile import Secret

from .readonly import ReadOnlySession, ReadOnlyTransport


@dataclass(frozen=True, slots=True)
class Connection:
    """Everything needed to reach one backend; ``Connection(url)`` is a plain connection."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    token: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_skip_verify: bool = False
    timeout: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", self.url.rstrip("/"))

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> Connection:
        """The connection described by ``settings`` (which must have a URL)."""
        if not settings.url:
            raise ValueError("a connection needs a URL")
        token = None
        if settings.bearer_token_file is not None:
            token = Secret(path=settings.bearer_token_file.expanduser())
        elif settings.bearer_token is not None:
            token = Secret(value=settings.bearer_token.get_secret_value())
        basic = settings.basic_auth
        password = None
        if basic is not None:
            password = (
                Secret(path=basic.password_file.expanduser())
                if basic.password_file is not None
                else Secret(value=basic.password.get_secret_value() if basic.password else "")
            )
        return cls(
            url=settings.url,
            headers=dict(settings.headers),
            token=token,
            username=basic.username if basic else None,
            password=password,
            ca_file=settings.ca_file,
            cert_file=settings.cert_file,
            key_file=settings.key_file,
            insecure_skip_verify=settings.insecure_skip_verify,
            timeout=settings.timeout_seconds,
        )

    def request_headers(self) -> dict[str, str]:
        """The configured headers, plus ``Accept-Encoding: identity`` to a loopback backend.

        Compressing a response for a reader on the same machine only costs CPU at both ends
        (a Prometheus on loopback spent a third of its CPU gzipping range queries); across a
        network the clients' default (gzip) stays. A configured ``Accept-Encoding`` wins.
        """
        headers = dict(self.headers)
        configured = {name.lower() for name in headers}
        if is_loopback(self.url) and "accept-encoding" not in configured:
            headers["Accept-Encoding"] = "identity"
        return headers

    def authorization(self) -> str | None:
        """The ``Authorization`` header value for the next request, if any auth is set.

        Raises:
            BackendUnavailable: a credential file cannot be read.
        """
        try:
            if self.token is not None:
                return f"Bearer {self.token.get('bearer_token_file')}"
            if self.username is not None and self.password is not None:
                pair = f"{self.username}:{self.password.get('basic_auth.password_file')}"
                return "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        except SecretUnavailable as exc:
            raise BackendUnavailable(f"{self.url}: {exc}") from None
        return None

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context: system roots or ``ca_file``, the client certificate, verification.

        Raises:
            BackendUnavailable: a CA or certificate file cannot be loaded.
        """
        try:
            context = ssl.create_default_context(
                cafile=str(self.ca_file.expanduser()) if self.ca_file else None
            )
            if self.cert_file is not None:
                context.load_cert_chain(
                    str(self.cert_file.expanduser()),
                    str(self.key_file.expanduser()) if self.key_file else None,
                )
        except (OSError, ssl.SSLError) as exc:
            raise BackendUnavailable(f"cannot load TLS files for {self.url}: {exc}") from None
        if self.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def httpx_client(self, transport: httpx2.BaseTransport | None = None) -> httpx2.Client:
        """A read-only ``httpx2`` client for this connection (``transport`` for tests).

        A plain ``http://`` connection never uses TLS (its settings require ``https://``), so
        it skips loading the system roots (tens of milliseconds per client) and gets a context
        that verifies but trusts nothing: any TLS use would fail closed.
        """
        plain = urlsplit(self.url).scheme.lower() == "http"
        verify = trusts_nothing() if plain else self.ssl_context()
        inner = transport or httpx2.HTTPTransport(verify=verify)
        return httpx2.Client(
            base_url=self.url,
            timeout=self.timeout,
            headers=self.request_headers(),
            auth=_HttpxAuth(self),
            transport=ReadOnlyTransport(inner),
        )

    def requests_session(self) -> ReadOnlySession:
        """A read-only ``requests`` session for this connection."""
        session = ReadOnlySession()
        session.headers.update(self.request_headers())
        session.auth = _RequestsAuth(self)
        if self.url.startswith("https://"):
            # requests takes paths, not a context; the files are checked here for a clear error.
            self.ssl_context()
            session.verify = (
                False
                if self.insecure_skip_verify
                else str(self.ca_file.expanduser())
                if self.ca_file
                else True
            )
            if self.cert_file is not None:
                cert = str(self.cert_file.expanduser())
                session.cert = (cert, str(self.key_file.expanduser())) if self.key_file else cert
        return session


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def trusts_nothing() -> ssl.SSLContext:
    """A client context that checks hostnames and certificates and holds no trusted roots."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def as_connection(target: str | Connection, timeout: float | None = None) -> Connection:
    """``target`` as a ``Connection``; a bare URL is a plain connection."""
    if isinstance(target, Connection):
        return target
    return Connection(target, timeout=timeout if timeout is not None else 30.0)


class _HttpxAuth(httpx2.Auth):
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response]:
        value = self._connection.authorization()
        if value is not None:
            request.headers["Authorization"] = value
        yield request


class _RequestsAuth(requests.auth.AuthBase):
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        value = self._connection.authorization()
        if value is not None:
            request.headers["Authorization"] = value
        return request
