import base64
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agent.errors import BackendQueryError, BackendUnavailable
from agent.replay.http import LoopbackServers
from agent.replay.kubernetes import create_app, write_kubeconfig
from tools.clients import AlertmanagerReader, KubeReader, LokiReader, PrometheusReader, TempoReader
from tools.clients.readonly import (
    ReadOnlyApiClient,
    ReadOnlySession,
    ReadOnlyTransport,
    ReadOnlyViolation,
)
from tools.clients.tempo import hex_ids_in_place

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---- read-only guards ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_httpx_transport_refuses_writes_before_sending(method: str) -> None:
    sent: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(200)

    inner = httpx2.MockTransport(handler)
    with httpx2.Client(transport=ReadOnlyTransport(inner)) as client:
        with pytest.raises(ReadOnlyViolation, match=f"refused {method}"):
            client.request(method, "http://127.0.0.1/x")
        assert client.get("http://127.0.0.1/x").status_code == 200
    assert [r.method for r in sent] == ["GET"]


def test_requests_session_refuses_writes_before_sending() -> None:
    session = ReadOnlySession()
    # The address is never contacted: the guard raises first.
    with pytest.raises(ReadOnlyViolation, match="refused POST"):
        session.post("http://127.0.0.1:9/api/v1/admin/tsdb/delete_series")
    assert session.last_response is None


def test_requests_session_reads_the_proxy_environment_once_per_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy-a.example:3128")
    monkeypatch.setenv("NO_PROXY", "bypassed.example")
    session = ReadOnlySession()
    url = "http://prom.example:9090/api/v1/query_range?query=up"
    first = session.merge_environment_settings(url, {}, None, None, None)
    # The same answer requests gives, proxies and the rest.
    assert first == requests.Session().merge_environment_settings(url, {}, None, None, None)
    assert first["proxies"]["http"] == "http://proxy-a.example:3128"
    bypassed = session.merge_environment_settings("http://bypassed.example/x", {}, None, None, None)
    assert "http" not in bypassed["proxies"]
    # A caller that changes what it was handed does not change the session's next answer.
    first["proxies"]["http"] = "http://changed.example"
    monkeypatch.setenv("HTTP_PROXY", "http://proxy-b.example:3128")
    again = session.merge_environment_settings(url + "&start=1", {}, None, None, None)
    assert again["proxies"]["http"] == "http://proxy-a.example:3128"
    # Other inputs are part of the key; a new session (a new investigation) reads anew.
    assert session.merge_environment_settings(url, {}, None, False, None)["verify"] is False
    fresh = ReadOnlySession().merge_environment_settings(url, {}, None, None, None)
    assert fresh["proxies"]["http"] == "http://proxy-b.example:3128"


def test_prometheus_reader_session_survives_library_adapter_mount() -> None:
    reader = PrometheusReader("http://127.0.0.1:9")
    # PrometheusConnect mounts its own adapter on the URL; the session guard still applies.
    with pytest.raises(ReadOnlyViolation):
        reader._session.delete("http://127.0.0.1:9/api/v1/query")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_kubernetes_api_client_refuses_writes(method: str) -> None:
    api = ReadOnlyApiClient()
    with pytest.raises(ReadOnlyViolation, match=f"refused {method}"):
        api.call_api(method, "http://127.0.0.1:9/api/v1/namespaces/x/pods")


def test_kube_reader_has_no_secret_exec_or_write_methods() -> None:
    public = {n for n in dir(KubeReader) if not n.startswith("_")}
    for word in (
        "secret",
        "exec",
        "attach",
        "portforward",
        "proxy",
        "create",
        "patch",
        "delete",
        "replace",
    ):
        assert not any(word in n for n in public), word


# ---- Loki / Tempo / Alertmanager over MockTransport ----------------------------------------


def test_loki_query_range_sends_ns_times_and_tenant() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            200, json={"status": "success", "data": {"resultType": "streams", "result": []}}
        )

    loki = LokiReader("http://loki", tenant="team-a", transport=httpx2.MockTransport(handler))
    got = loki.query_range('{app="x"}', NOW - timedelta(minutes=5), NOW, 100)
    assert got.body == {"resultType": "streams", "result": []}
    assert got.raw_bytes > 0
    params = seen[0].url.params
    assert params["end"] == str(int(NOW.timestamp()) * 10**9)
    assert params["direction"] == "backward" and params["limit"] == "100"
    assert seen[0].headers["X-Scope-OrgID"] == "team-a"


def test_loki_error_status_maps_to_query_error_with_message() -> None:
    transport = httpx2.MockTransport(
        lambda r: httpx2.Response(400, text="parse error at line 1, col 5")
    )
    loki = LokiReader("http://loki", transport=transport)
    with pytest.raises(BackendQueryError, match=r"Loki rejected .*HTTP 400.*parse error at line 1"):
        loki.query_range("{", NOW, NOW, 10)


def test_loki_closed_port_maps_to_unavailable() -> None:
    url = closed_port_url()
    with pytest.raises(BackendUnavailable, match=f"Loki unreachable at {url}"):
        LokiReader(url, timeout=2).labels(NOW - timedelta(hours=1), NOW)


def test_tempo_trace_ids_become_hex() -> None:
    trace_id = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
    span_id = bytes.fromhex("b7ad6b7169203331")
    body = {
        "batches": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": base64.b64encode(trace_id).decode(),
                                "spanId": base64.b64encode(span_id).decode(),
                                "parentSpanId": "",
                            }
                        ]
                    }
                ]
            }
        ]
    }
    tempo = TempoReader(
        "http://tempo", transport=httpx2.MockTransport(lambda r: httpx2.Response(200, json=body))
    )
    got = tempo.trace("0af7651916cd43dd8448eb211c80319c")
    span = got.body["batches"][0]["scopeSpans"][0]["spans"][0]
    assert span["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert span["spanId"] == "b7ad6b7169203331"


def test_hex_ids_in_place_converts_every_id_and_nothing_else() -> None:
    b64 = base64.b64encode(bytes.fromhex("b7ad6b7169203331")).decode()
    tree: dict[str, Any] = {
        "batches": [
            {
                "resource": {"attributes": [{"key": "spanId", "value": {"stringValue": "x"}}]},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "spanId": b64,
                                "parentSpanId": "B7AD6B7169203331",  # hex already: lowered
                                "name": b64,  # not an id key: kept as it is
                                "links": [{"traceId": "not base64!", "spanId": b64}],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    assert hex_ids_in_place(tree) is tree
    span = tree["batches"][0]["scopeSpans"][0]["spans"][0]
    assert span["spanId"] == span["links"][0]["spanId"] == "b7ad6b7169203331"
    assert span["parentSpanId"] == "b7ad6b7169203331"
    assert span["name"] == b64
    assert span["links"][0]["traceId"] == "not base64!"  # undecodable ids pass through
    assert tree["batches"][0]["resource"]["attributes"][0]["key"] == "spanId"


def test_tempo_search_and_tag_values() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/api/search":
            assert request.url.params["q"] == "{ status=error }"
            return httpx2.Response(200, json={"traces": [{"traceID": "ab"}]})
        return httpx2.Response(200, json={"tagValues": [{"type": "string", "value": "cart"}]})

    tempo = TempoReader("http://tempo", transport=httpx2.MockTransport(handler))
    assert (
        tempo.search("{ status=error }", NOW - timedelta(hours=1), NOW).body["traces"][0]["traceID"]
        == "ab"
    )
    assert tempo.tag_values("resource.service.name") == ["cart"]


def test_alertmanager_find_matches_fingerprint_client_side() -> None:
    alerts = [{"fingerprint": "aaaa", "labels": {}}, {"fingerprint": "bbbb", "labels": {"x": "1"}}]
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=alerts)

    am = AlertmanagerReader("http://am", transport=httpx2.MockTransport(handler))
    assert am.find("bbbb", ['alertname="X"']) == alerts[1]
    assert am.find("cccc") is None
    assert seen[0].url.params.get_list("filter") == ['alertname="X"']
    assert seen[0].url.params["active"] == "true"


# ---- Prometheus against a loopback app ----------------------------------------------------


async def prom_query(request: Request) -> JSONResponse:
    query = request.query_params["query"]
    if query == "bad(":
        return JSONResponse(
            {"status": "error", "errorType": "bad_data", "error": 'parse error: unexpected "("'},
            status_code=400,
        )
    assert "time" in request.query_params and "timeout" in request.query_params
    return JSONResponse(
        {
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {"a": "1"}, "value": [1, "2"]}]},
        }
    )


async def prom_values(request: Request) -> JSONResponse:
    return JSONResponse({"status": "success", "data": ["http_requests_total", "up", "HTTP_x"]})


@pytest.fixture(scope="module")
def fake_prometheus() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/api/v1/query", prom_query),
            Route("/api/v1/label/__name__/values", prom_values),
        ]
    )
    with LoopbackServers({"prom": app}) as servers:
        yield servers.urls["prom"]


def test_prometheus_query_and_names(fake_prometheus: str) -> None:
    prom = PrometheusReader(fake_prometheus, timeout=5)
    got = prom.query("up", NOW)
    assert got.body == [{"metric": {"a": "1"}, "value": [1, "2"]}] and got.raw_bytes > 0
    assert prom.metric_names("http") == ["http_requests_total", "HTTP_x"]
    prom.close()


def test_prometheus_error_carries_prometheus_message(fake_prometheus: str) -> None:
    prom = PrometheusReader(fake_prometheus, timeout=5)
    with pytest.raises(BackendQueryError, match=r'HTTP 400\): parse error: unexpected "\("'):
        prom.query("bad(", NOW)
    prom.close()


def test_prometheus_closed_port_is_unavailable() -> None:
    url = closed_port_url()
    with pytest.raises(BackendUnavailable, match=f"Prometheus unreachable at {url}"):
        PrometheusReader(url, timeout=2).query("up", NOW)


# ---- Kubernetes against the replay API server ----------------------------------------------

OBJECTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "cart-1", "namespace": "shop", "labels": {"app": "cart"}},
        "spec": {"containers": [{"name": "cart", "image": "cart:1"}]},
        "status": {"phase": "Running"},
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "web:1"}]},
        "status": {"phase": "Running"},
    },
]


def test_kube_reader_lists_with_selectors_and_maps_404(tmp_path: Path) -> None:
    with LoopbackServers({"k8s": create_app(OBJECTS, [], NOW)}) as servers:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", servers.urls["k8s"])
        kube = KubeReader.from_kubeconfig(kubeconfig, timeout=5)
        pods = kube.list_pods("shop", label_selector="app=cart")
        assert [p["metadata"]["name"] for p in pods["items"]] == ["cart-1"]
        assert kube.raw_bytes >= len(json.dumps(pods, separators=(",", ":")).encode()) // 2
        with pytest.raises(
            BackendQueryError, match=r"Kubernetes rejected get deployment shop/nope \(HTTP 404\)"
        ):
            kube.read_deployment("shop", "nope")
        kube.close()


def test_kube_reader_unreachable(tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", closed_port_url())
    kube = KubeReader.from_kubeconfig(kubeconfig, timeout=2)
    with pytest.raises(BackendUnavailable, match="Kubernetes API unreachable"):
        kube.list_pods("shop")
    kube.close()
