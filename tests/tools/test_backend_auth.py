"""Every backend (Prometheus, Loki, Tempo, Alertmanager) in every connection mode.

Each test starts a loopback server that *requires* one thing — a tenant header, a bearer token
from a file (rotated mid-test), basic auth, TLS with a CA made in the test, a client
certificate, a path prefix — and reads from it with the readers ``Backends.from_settings``
builds from the configuration, exactly as ``agent serve`` does.
"""

from __future__ import annotations

import base64
import ssl
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from loopback_http import Answer, Handler, Seen, serve

from agent.config.backends import BackendSettings
from agent.config.load import load_settings
from agent.errors import BackendError, BackendQueryError, BackendUnavailable, ConfigError
from tools.clients import Backends
from tools.clients.connection import Connection, is_loopback, trusts_nothing

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
BACKENDS = ("prometheus", "loki", "tempo", "alertmanager")

# What each backend answers on the path its reader asks (after any prefix).
_BODIES: dict[str, dict[str, Any] | list[Any]] = {
    "/api/v1/query": {"status": "success", "data": {"resultType": "vector", "result": []}},
    "/loki/api/v1/labels": {"status": "success", "data": ["namespace"]},
    "/api/v2/search/tag/service.name/values": {"tagValues": [{"type": "string", "value": "a"}]},
    "/api/v2/alerts": [],
}


def read_once(backends: Backends, name: str) -> None:
    """One read through the backend's reader; raises the reader's own errors."""
    if name == "prometheus":
        assert backends.prometheus is not None
        backends.prometheus.query("up", NOW)
    elif name == "loki":
        assert backends.loki is not None
        backends.loki.labels(NOW - timedelta(hours=1), NOW)
    elif name == "tempo":
        assert backends.tempo is not None
        backends.tempo.tag_values("service.name")
    else:
        assert backends.alertmanager is not None
        backends.alertmanager.alerts()


def requiring(check: Callable[[Seen], bool], prefix: str = "") -> Handler:
    def handle(seen: Seen) -> Answer:
        if not check(seen):
            return Answer(401, {"status": "error", "error": "unauthorized"})
        path = seen.path.removeprefix(prefix) if seen.path.startswith(prefix) else ""
        if path not in _BODIES:
            return Answer(404, {"status": "error", "error": f"no route {seen.path}"})
        return Answer(200, _BODIES[path])

    return handle


def readers(name: str, **connection: Any) -> Backends:
    return Backends.from_settings(BackendSettings.model_validate({name: connection}))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def pki(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CA bundle, a client certificate and its key, as files (as a Secret would mount them)."""
    root = tmp_path_factory.mktemp("pki")
    client = ca.issue_cert("agent.example", common_name="incident-agent")
    files = {"ca": root / "ca.pem", "cert": root / "client.pem", "key": root / "client.key"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    client.cert_chain_pems[0].write_to_path(str(files["cert"]))
    client.private_key_pem.write_to_path(str(files["key"]))
    return files


def server_tls(ca: trustme.CA, *, client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    if client_cert:
        ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def close() -> Iterator[Callable[[Backends], Backends]]:
    opened: list[Backends] = []
    yield lambda b: opened.append(b) or b  # type: ignore[func-returns-value]
    for b in opened:
        b.close()


def test_tenant_header(backend: str, close: Callable[[Backends], Backends]) -> None:
    check = requiring(lambda s: s.headers.get("x-scope-orgid") == "team-a")
    with serve(check) as srv:
        with pytest.raises(BackendQueryError, match="401"):
            read_once(close(readers(backend, url=srv.url)), backend)
        read_once(
            close(readers(backend, url=srv.url, headers={"X-Scope-OrgID": "team-a"})), backend
        )


def test_a_loopback_backend_is_asked_not_to_compress(
    backend: str, close: Callable[[Backends], Backends]
) -> None:
    # Every reader, on its real client library, against a server on 127.0.0.1.
    check = requiring(lambda s: s.headers.get("accept-encoding") == "identity")
    with serve(check) as srv:
        read_once(close(readers(backend, url=srv.url)), backend)
    # A configured Accept-Encoding is sent as configured, whatever the host.
    check = requiring(lambda s: s.headers.get("accept-encoding") == "gzip")
    with serve(check) as srv:
        configured = {"accept-encoding": "gzip"}
        read_once(close(readers(backend, url=srv.url, headers=configured)), backend)


def test_a_remote_backend_keeps_the_clients_compression() -> None:
    remote = Connection("https://prometheus.monitoring.svc:9090", headers={"X-A": "1"})
    assert remote.request_headers() == {"X-A": "1"}
    session = remote.requests_session()
    assert "gzip" in session.headers["Accept-Encoding"]
    assert Connection("http://localhost:3100").request_headers() == {"Accept-Encoding": "identity"}
    assert Connection("http://[::1]:9090").request_headers() == {"Accept-Encoding": "identity"}
    assert Connection("http://127.0.0.2").request_headers() == {"Accept-Encoding": "identity"}
    assert not is_loopback("http://127.example.com") and not is_loopback("http://10.0.0.1")


def test_bearer_token_file_is_reread_when_rotated(
    backend: str, tmp_path: Path, close: Callable[[Backends], Backends]
) -> None:
    token = tmp_path / "token"
    token.write_text("first-token-0001\n")
    accepted = {"Bearer first-token-0001"}
    with serve(requiring(lambda s: s.headers.get("authorization") in accepted)) as srv:
        b = close(readers(backend, url=srv.url, bearer_token_file=token))
        read_once(b, backend)
        # The kubelet rotates a projected token by replacing the file.
        token.write_text("second-token-0002-longer\n")
        accepted.clear()
        accepted.add("Bearer second-token-0002-longer")
        read_once(b, backend)
        seen = [s.headers["authorization"] for s in srv.seen]
        assert seen == ["Bearer first-token-0001", "Bearer second-token-0002-longer"]


def test_basic_auth_from_password_file(
    backend: str, tmp_path: Path, close: Callable[[Backends], Backends]
) -> None:
    password = tmp_path / "password"
    password.write_text("s3cret-pass-9999")
    expected = "Basic " + base64.b64encode(b"reader:s3cret-pass-9999").decode()
    with serve(requiring(lambda s: s.headers.get("authorization") == expected)) as srv:
        auth = {"username": "reader", "password_file": str(password)}
        read_once(close(readers(backend, url=srv.url, basic_auth=auth)), backend)
        password.write_text("wrong-pass-0000")
        with pytest.raises(BackendQueryError) as refused:
            read_once(close(readers(backend, url=srv.url, basic_auth=auth)), backend)
    assert "wrong-pass" not in str(refused.value)


def test_tls_with_ca_file(
    backend: str, ca: trustme.CA, pki: dict[str, Path], close: Callable[[Backends], Backends]
) -> None:
    with serve(requiring(lambda s: True), tls=server_tls(ca)) as srv:
        assert srv.url.startswith("https://")
        with pytest.raises(BackendUnavailable, match="unreachable"):
            read_once(close(readers(backend, url=srv.url)), backend)  # system roots only
        read_once(close(readers(backend, url=srv.url, ca_file=pki["ca"])), backend)


def test_client_certificate(
    backend: str, ca: trustme.CA, pki: dict[str, Path], close: Callable[[Backends], Backends]
) -> None:
    with serve(requiring(lambda s: True), tls=server_tls(ca, client_cert=True)) as srv:
        with pytest.raises(BackendUnavailable):
            read_once(close(readers(backend, url=srv.url, ca_file=pki["ca"])), backend)
        mtls = {"ca_file": pki["ca"], "cert_file": pki["cert"], "key_file": pki["key"]}
        read_once(close(readers(backend, url=srv.url, **mtls)), backend)
    subject = dict(pair[0] for pair in srv.seen[-1].client_cert["subject"])  # type: ignore[index]
    assert subject["commonName"] == "incident-agent"


def test_insecure_skip_verify(
    backend: str, ca: trustme.CA, close: Callable[[Backends], Backends]
) -> None:
    with serve(requiring(lambda s: True), tls=server_tls(ca)) as srv:
        b = close(readers(backend, url=srv.url, insecure_skip_verify=True))
        with warnings.catch_warnings():
            # urllib3 (Prometheus's client) warns on every unverified request, as it should.
            warnings.simplefilter("ignore")
            read_once(b, backend)


def test_plain_http_connection_loads_no_trust_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loading the system roots costs tens of milliseconds per client and a plain http://
    # connection never uses TLS; what it gets instead verifies and trusts nothing.
    def refuse(self: Connection) -> ssl.SSLContext:
        raise AssertionError(f"TLS context built for {self.url}")

    monkeypatch.setattr(Connection, "ssl_context", refuse)
    Connection("http://127.0.0.1:9").httpx_client().close()
    Connection("HTTP://loki.internal:3100").httpx_client().close()
    with pytest.raises(AssertionError, match="TLS context built"):
        Connection("https://loki.internal").httpx_client()
    context = trusts_nothing()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


def test_path_prefix(backend: str, close: Callable[[Backends], Backends]) -> None:
    # Mimir serves the Prometheus API under /prometheus (Loki's and Tempo's gateways likewise).
    with serve(requiring(lambda s: True, prefix="/prometheus")) as srv:
        read_once(close(readers(backend, url=f"{srv.url}/prometheus/")), backend)
    assert srv.seen[0].path.startswith("/prometheus/")


def test_unreadable_token_file_is_a_backend_error_naming_the_file(
    backend: str, tmp_path: Path, close: Callable[[Backends], Backends]
) -> None:
    with serve(requiring(lambda s: True)) as srv:
        b = close(readers(backend, url=srv.url, bearer_token_file=tmp_path / "missing"))
        with pytest.raises(BackendError, match=r"bearer_token_file .*missing"):
            read_once(b, backend)
        assert srv.seen == []


def test_secrets_from_environment_and_never_in_repr(tmp_path: Path) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text(
        "backends:\n"
        "  prometheus: {url: 'https://mimir.example/prometheus', headers: {X-Scope-OrgID: a}}\n"
        "  loki: {url: 'https://loki.example', basic_auth: {username: u}}\n"
    )
    env = {"AGENT_PROMETHEUS_BEARER_TOKEN": "env-token-7777", "AGENT_LOKI_PASSWORD": "env-pw-8888"}
    settings = load_settings(config, env)
    prom = settings.backends.connection("prometheus")
    assert prom is not None and prom.bearer_token is not None
    assert prom.bearer_token.get_secret_value() == "env-token-7777"
    dumped = repr(settings) + str(settings.model_dump())
    assert "env-token-7777" not in dumped and "env-pw-8888" not in dumped
    b = Backends.from_settings(settings.backends)
    assert "env-token" not in repr(b)
    b.close()


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("prometheus: {url: x, bearer_token: abc}", "secret inline"),
        ("loki: {url: x, basic_auth: {username: u, password: p}}", "secret inline"),
        ("prometheus_url: 'https://user:pw@mimir.example'", "credentials in the URL"),
        ("tempo: {url: 'http://tempo:3200', ca_file: /ca.pem}", "https:// URL"),
        ("tempo: {url: 'https://tempo', key_file: /k.pem}", "key_file needs cert_file"),
    ],
)
def test_config_mistakes_are_named(tmp_path: Path, yaml_text: str, message: str) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text("backends:\n  " + yaml_text + "\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(config, {})
    assert "pw@" not in str(caught.value)


def test_shorthands_merge_into_the_connection() -> None:
    settings = BackendSettings.model_validate(
        {"loki_url": "http://loki:3100", "loki_tenant": "t1", "loki": {"timeout_seconds": 5}}
    )
    loki = settings.connection("loki")
    assert loki is not None
    assert (loki.url, loki.headers, loki.timeout_seconds) == (
        "http://loki:3100",
        {"X-Scope-OrgID": "t1"},
        5,
    )
    assert settings.connection("tempo") is None


def test_the_investigator_reads_through_the_configured_kube_context(tmp_path: Path) -> None:
    def context(name: str) -> dict[str, Any]:
        return {"name": name, "context": {"cluster": name, "user": "reader"}}

    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "staging",
        "clusters": [{"name": "staging", "cluster": {"server": "https://10.0.0.1:6443"}},
                     {"name": "prod", "cluster": {"server": "https://10.0.0.2:6443"}}],
        "contexts": [context("staging"), context("prod")],
        "users": [{"name": "reader", "user": {"token": "t"}}],
    }), encoding="utf-8")  # fmt: skip
    for kube_context, url in ((None, "https://10.0.0.1:6443"), ("prod", "https://10.0.0.2:6443")):
        backends = Backends.from_settings(
            BackendSettings(kubeconfig=str(kubeconfig), kube_context=kube_context)
        )
        try:
            assert backends.kubernetes is not None and backends.kubernetes.url == url
        finally:
            backends.close()
