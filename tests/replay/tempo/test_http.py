from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from tempo_traces import CART, CHECKOUT, DB_SPAN, MS, ORPHAN, PROCESS_SPAN, ROOT_SPAN, T0

from agent.replay.http import LoopbackServers
from agent.replay.tempo import create_app

T0_S = T0 // 1_000_000_000


def _b64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


@pytest.fixture(scope="module")
def client(traces_data: list[dict[str, Any]]) -> Iterator[httpx2.Client]:
    with (
        LoopbackServers({"tempo": create_app(traces_data)}) as servers,
        httpx2.Client(base_url=servers.urls["tempo"], timeout=5) as http,
    ):
        yield http


def test_health_endpoints(client: httpx2.Client) -> None:
    assert client.get("/ready").text == "ready"
    assert client.get("/api/echo").text == "echo"
    assert client.get("/api/status/buildinfo").json()["version"]


def test_trace_by_id_has_tempo_shape(client: httpx2.Client) -> None:
    response = client.get(f"/api/traces/{CHECKOUT}")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["batches"]
    frontend, checkout = body["batches"]
    assert frontend["resource"] == {
        "attributes": [
            {"key": "service.name", "value": {"stringValue": "frontend"}},
            {"key": "k8s.namespace.name", "value": {"stringValue": "shop"}},
        ]
    }
    (scope_spans,) = frontend["scopeSpans"]
    assert scope_spans["scope"] == {"name": "io.opentelemetry.http", "version": "1.0"}
    assert scope_spans["spans"] == [
        {
            "traceId": _b64(CHECKOUT),
            "spanId": _b64(ROOT_SPAN),
            "name": "GET /checkout",
            "kind": "SPAN_KIND_SERVER",
            "startTimeUnixNano": str(T0),
            "endTimeUnixNano": str(T0 + 1200 * MS),
            "attributes": [
                {"key": "http.response.status_code", "value": {"intValue": "500"}},
                {"key": "http.method", "value": {"stringValue": "GET"}},
            ],
            "status": {"code": "STATUS_CODE_ERROR", "message": "upstream failed"},
        }
    ]
    process, db = checkout["scopeSpans"][0]["spans"]
    assert process["parentSpanId"] == _b64(ROOT_SPAN)
    assert process["attributes"][1] == {
        "key": "tags",
        "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"stringValue": "b"}]}},
    }
    assert process["events"][0]["name"] == "exception"
    assert (db["spanId"], db["parentSpanId"]) == (_b64(DB_SPAN), _b64(PROCESS_SPAN))
    assert (db["kind"], db["status"]) == ("SPAN_KIND_CLIENT", {})


def test_trace_ids_are_padded_and_case_insensitive(client: httpx2.Client) -> None:
    assert client.get("/api/traces/ABC").status_code == 200
    assert client.get(f"/api/traces/{CART.upper()}").status_code == 200
    (batch,) = client.get(f"/api/v2/traces/{ORPHAN}").json()["trace"]["resourceSpans"]
    assert batch["scopeSpans"][0]["spans"][0]["traceId"] == _b64(ORPHAN)


def test_trace_by_id_honours_the_window(client: httpx2.Client) -> None:
    inside = {"start": T0_S, "end": T0_S + 1}
    outside = {"start": T0_S + 10, "end": T0_S + 20}
    assert client.get(f"/api/traces/{CHECKOUT}", params=inside).status_code == 200
    assert client.get(f"/api/traces/{CHECKOUT}", params=outside).status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/api/traces/" + "f" * 32, 404, "trace not found"),
        ("/api/v2/traces/" + "f" * 32, 404, "trace not found"),
        (
            "/api/traces/12xz",
            400,
            "trace IDs can only contain hex characters: invalid character 'x' at position 3",
        ),
        ("/api/traces/" + "a" * 33, 400, "trace IDs can't be larger than 128 bits"),
        (f"/api/traces/{CART}?start=yesterday", 400, "invalid start: 'yesterday' is not unix"),
        (f"/api/traces/{CART}?start=20&end=10", 400, "http parameter start must be before end"),
    ],
)
def test_trace_by_id_errors(client: httpx2.Client, path: str, status: int, body: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith(body)


def test_search_with_traceql(client: httpx2.Client) -> None:
    params: dict[str, str | int] = {
        "q": '{ resource.service.name = "checkout" && status = error }',
        "start": T0_S - 60,
        "end": T0_S + 3600,
    }
    body = client.get("/api/search", params=params).json()
    (trace,) = body["traces"]
    assert trace["traceID"] == CHECKOUT  # hex, unlike /api/traces
    assert (trace["rootServiceName"], trace["rootTraceName"]) == ("frontend", "GET /checkout")
    assert trace["startTimeUnixNano"] == str(T0)
    assert trace["durationMs"] == 1200
    (span,) = trace["spanSet"]["spans"]
    assert span == {
        "spanID": PROCESS_SPAN,
        "name": "checkout.process",
        "startTimeUnixNano": str(T0 + 100 * MS),
        "durationNanos": str(1000 * MS),
        "attributes": [
            {"key": "service.name", "value": {"stringValue": "checkout"}},
            {"key": "status", "value": {"stringValue": "error"}},
        ],
    }
    assert trace["spanSets"] == [trace["spanSet"]]
    assert body["metrics"] == {
        "inspectedTraces": 3,
        "inspectedBytes": body["metrics"]["inspectedBytes"],
        "completedJobs": 1,
        "totalJobs": 1,
    }
    assert int(body["metrics"]["inspectedBytes"]) > 0


def test_search_parameters(client: httpx2.Client) -> None:
    def ids(**params: Any) -> list[str]:
        response = client.get("/api/search", params=params)
        assert response.status_code == 200, response.text
        return [t["traceID"] for t in response.json()["traces"]]

    assert ids() == [ORPHAN, CART, CHECKOUT]
    assert ids(limit=1) == [ORPHAN]
    assert ids(start=T0_S + 30, end=T0_S + 90) == [CART]
    assert ids(minDuration="1s") == [ORPHAN, CHECKOUT]
    assert ids(maxDuration="1.5s", minDuration="100ms") == [CHECKOUT]
    assert ids(tags="service.name=cart") == [CART]
    assert ids(q="{ duration > 1s } && { kind = client }") == [CHECKOUT]
    spss = client.get("/api/search", params={"q": "{}", "spss": 2}).json()
    checkout = spss["traces"][2]["spanSet"]
    assert (len(checkout["spans"]), checkout["matched"]) == (2, 3)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "{ .a = 1 } | count() > 2"}, "unsupported TraceQL construct: pipeline '| count()'"),
        ({"q": "{ .a = 1 } >> { .b = 1 }"}, "unsupported TraceQL construct: structural operator"),
        (
            {"q": "{ .a = }"},
            "invalid TraceQL query: parse error at line 1, col 8: expected a value",
        ),
        ({"limit": "0"}, "invalid limit: '0' is not a positive integer"),
        ({"spss": "many"}, "invalid spss"),
        ({"minDuration": "5"}, "invalid minDuration: '5' is not a duration"),
        ({"start": "-1"}, "invalid start"),
        ({"tags": "service.name"}, "tag 'service.name' is not key=value"),
    ],
)
def test_search_bad_requests(client: httpx2.Client, params: dict[str, str], message: str) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 400
    assert message in response.text


def test_tag_names(client: httpx2.Client) -> None:
    assert client.get("/api/search/tags").json() == {
        "tagNames": sorted(
            ["service.name", "k8s.namespace.name", "http.response.status_code", "http.method",
             "retry", "tags", "db.system", "cache.hit", "ratio"]
        )
    }  # fmt: skip
    scopes = client.get("/api/v2/search/tags").json()["scopes"]
    assert [s["name"] for s in scopes] == ["resource", "span", "intrinsic"]
    assert scopes[0]["tags"] == ["k8s.namespace.name", "service.name"]
    assert "kind" in scopes[2]["tags"] and "duration" in scopes[2]["tags"]
    assert client.get("/api/v2/search/tags", params={"scope": "span"}).json() == {
        "scopes": [{"name": "span", "tags": scopes[1]["tags"]}]
    }
    bad = client.get("/api/v2/search/tags", params={"scope": "galaxy"})
    assert (bad.status_code, bad.text) == (
        400,
        "invalid scope 'galaxy': use one of resource, span, intrinsic",
    )


@pytest.mark.parametrize(
    ("tag", "values"),
    [
        ("resource.service.name", [("string", s) for s in ["cart", "checkout", "frontend", "worker"]]),
        ("span.http.response.status_code", [("int", "200"), ("int", "500")]),
        (".cache.hit", [("bool", "false")]),
        (".ratio", [("float", "0.25")]),
        ("span.tags", [("string", "a"), ("string", "b")]),
        ("status", [("keyword", "error"), ("keyword", "ok"), ("keyword", "unset")]),
        ("kind", [("keyword", k) for k in ["client", "consumer", "internal", "server"]]),
        ("span.service.name", []),
        ("duration", []),
    ],
)  # fmt: skip
def test_v2_tag_values(client: httpx2.Client, tag: str, values: list[tuple[str, str]]) -> None:
    response = client.get(f"/api/v2/search/tag/{tag}/values")
    assert response.status_code == 200, response.text
    assert response.json() == {"tagValues": [{"type": t, "value": v} for t, v in values]}


def test_v2_tag_values_rejects_unscoped_names(client: httpx2.Client) -> None:
    response = client.get("/api/v2/search/tag/service.name/values")
    assert response.status_code == 400
    assert "unknown field 'service'" in response.text


def test_v1_tag_values(client: httpx2.Client) -> None:
    assert client.get("/api/search/tag/service.name/values").json() == {
        "tagValues": ["cart", "checkout", "frontend", "worker"]
    }
    assert client.get("/api/search/tag/http.response.status_code/values").json() == {
        "tagValues": ["200", "500"]
    }
    assert client.get("/api/search/tag/nope/values").json() == {"tagValues": []}
