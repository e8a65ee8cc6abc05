"""HTTP tests: the app served on real loopback, checked for Loki's exact response shapes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from agent.bundle.model import LogRecord
from agent.replay.http import LoopbackServers
from agent.replay.loki import create_app

S = 1_000_000_000
T = 1_700_000_000 * S
RECORDS = [
    LogRecord(T + i * S, {"app": "web", "pod": f"web-{i % 2}"}, f"level={'error' if i % 3 == 0 else 'info'} n={i}")
    for i in range(10)
] + [LogRecord(T + 4 * S, {"app": "db"}, "ready ✓")]  # fmt: skip


@pytest.fixture(scope="module")
def client() -> Iterator[httpx2.Client]:
    app = create_app(RECORDS, now_ns=T + 10 * S)
    with (
        LoopbackServers({"loki": app}) as servers,
        httpx2.Client(base_url=servers.urls["loki"], timeout=10) as http,
    ):
        yield http


def get_data(client: httpx2.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    return body["data"]


def test_query_range_streams_shape(client: httpx2.Client) -> None:
    data = get_data(
        client, "/loki/api/v1/query_range", query='{app="web"} |= "error"',
        start=str(T), end=str(T + 10 * S), limit=3,
    )  # fmt: skip
    assert data["resultType"] == "streams"
    # The backward merge stops once it has 3 entries, so not every line gets scanned.
    assert 3 <= data["stats"]["summary"]["totalLinesProcessed"] <= 10
    assert data["stats"]["summary"]["totalEntriesReturned"] == 3
    assert {"querier", "ingester", "cache"} <= data["stats"].keys()
    by_pod = {r["stream"]["pod"]: r["values"] for r in data["result"]}
    assert by_pod == {
        "web-1": [[str(T + 9 * S), "level=error n=9"], [str(T + 3 * S), "level=error n=3"]],
        "web-0": [[str(T + 6 * S), "level=error n=6"]],
    }
    assert data["result"][0]["stream"] == {"app": "web", "pod": "web-1"}


def test_query_range_forward_rfc3339_and_parsed_labels(client: httpx2.Client) -> None:
    data = get_data(
        client, "/loki/api/v1/query_range", query='{pod="web-0"} | logfmt | n > 2',
        start="2023-11-14T22:13:20Z", end="2023-11-14T22:13:30.000Z", direction="forward",
        limit=2,
    )  # fmt: skip
    assert data["result"] == [
        {
            "stream": {"app": "web", "pod": "web-0", "level": "info", "n": "4"},
            "values": [[str(T + 4 * S), "level=info n=4"]],
        },
        {
            "stream": {"app": "web", "pod": "web-0", "level": "error", "n": "6"},
            "values": [[str(T + 6 * S), "level=error n=6"]],
        },
    ]


def test_query_range_matrix_shape(client: httpx2.Client) -> None:
    data = get_data(
        client, "/loki/api/v1/query_range",
        query='sum by (pod) (rate({app="web"} |= "error" [4s]))',
        start=str(T + 4 * S), end=str(T + 8 * S), step="2s",
    )  # fmt: skip
    assert data["resultType"] == "matrix"
    assert data["result"] == [
        {"metric": {"pod": "web-0"}, "values": [[1_700_000_006, "0.25"], [1_700_000_008, "0.25"]]},
        {"metric": {"pod": "web-1"}, "values": [[1_700_000_004, "0.25"], [1_700_000_006, "0.25"]]},
    ]
    assert "summary" in data["stats"]


def test_instant_query_vector_shape(client: httpx2.Client) -> None:
    data = get_data(
        client, "/loki/api/v1/query", query='bytes_over_time({app="db"}[1m])', time=str(T + 5 * S)
    )
    assert data["resultType"] == "vector"
    assert data["result"] == [{"metric": {"app": "db"}, "value": [1_700_000_005, "9"]}]


def test_post_query_range_form(client: httpx2.Client) -> None:
    response = client.post(
        "/loki/api/v1/query_range",
        data={"query": '{app="db"}', "start": str(T), "end": str(T + 10 * S)},
    )
    assert response.status_code == 200
    assert response.json()["data"]["result"][0]["values"] == [[str(T + 4 * S), "ready ✓"]]


def test_labels_values_series(client: httpx2.Client) -> None:
    assert get_data(client, "/loki/api/v1/labels") == ["app", "pod"]
    assert get_data(client, "/loki/api/v1/labels", query='{app="db"}') == ["app"]
    assert get_data(client, "/loki/api/v1/label/app/values") == ["db", "web"]
    assert get_data(client, "/loki/api/v1/label/pod/values", start=str(T + 9 * S + 1)) == []
    series = get_data(client, "/loki/api/v1/series", **{"match[]": ['{app="db"}', '{pod="web-1"}']})
    assert series == [{"app": "db"}, {"app": "web", "pod": "web-1"}]
    posted = client.post("/loki/api/v1/series", data={"match[]": '{app="db"}'}).json()
    assert posted == {"status": "success", "data": [{"app": "db"}]}


def test_ready_and_buildinfo(client: httpx2.Client) -> None:
    assert client.get("/ready").text.strip() == "ready"
    assert client.get("/loki/api/v1/status/buildinfo").json()["version"].startswith("3.")


ERROR_CASES: list[tuple[str, dict[str, str], str]] = [
    ("/loki/api/v1/query_range", {"query": '{app="web"} | foo bar'},
     "parse error at line 1, col 19: syntax error: unexpected IDENTIFIER, "
     "expecting a label filter operator"),
    ("/loki/api/v1/query_range", {"query": '{app="web"} | unwrap x'},
     "parse error at line 1, col 15: unsupported LogQL construct: unwrap"),
    ("/loki/api/v1/query_range", {"query": '{app="web"}', "limit": "9000"},
     "max entries limit per query exceeded, limit > max_entries_limit (9000 > 5000)"),
    ("/loki/api/v1/query_range", {"query": '{app="web"}', "start": "soon"},
     'invalid parameter "start": cannot parse "soon" to a valid timestamp'),
    ("/loki/api/v1/query_range", {"query": '{app="web"}', "direction": "up"},
     'invalid parameter "direction": must be "forward" or "backward", not "up"'),
    ("/loki/api/v1/query_range", {"query": 'rate({app="web"}[1m])', "step": "-1"},
     "zero or negative query resolution step widths are not accepted. "
     "Try a positive integer"),
    ("/loki/api/v1/query_range", {}, 'missing required parameter "query"'),
    ("/loki/api/v1/query_range", {"query": '{app="web"} | line_format "{{.a | upper}}"'},
     "parse error : unsupported LogQL construct: line_format template action {{.a | upper}}"),
    ("/loki/api/v1/query", {"query": '{app="web"}'},
     "log queries are not supported as an instant query type, please change your query to a "
     "range query type"),
    ("/loki/api/v1/series", {}, 'at least one "match[]" parameter is required'),
    ("/loki/api/v1/series", {"match[]": '{app="web"} |= "x"'},
     "parse error : only label matchers are supported"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "params", "message"), ERROR_CASES)
def test_errors_are_400_plain_text(
    client: httpx2.Client, path: str, params: dict[str, str], message: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == message + "\n"  # Go's http.Error ends the body with a newline


def test_large_recording_filtered_query_honours_limit() -> None:
    count = 300_000
    pods = [{"app": "shop", "pod": f"shop-{p}"} for p in range(20)]
    records = [
        LogRecord(T + i * 1_000_000, pods[i % 20], f"GET /item/{i} status={500 if i % 7 == 0 else 200}")
        for i in range(count)
    ]  # fmt: skip
    with LoopbackServers({"loki": create_app(records)}) as servers:
        response = httpx2.get(
            servers.urls["loki"] + "/loki/api/v1/query_range",
            params={
                "query": '{app="shop"} |= "status=500"',
                "start": str(T),
                "end": str(T + count * 1_000_000),
                "limit": "1000",
            },
            timeout=30,
        )
    data = response.json()["data"]
    values = [v for stream in data["result"] for v in stream["values"]]
    assert len(values) == 1000
    assert all("status=500" in line for _, line in values)
    newest = sorted((int(ts) for ts, _ in values), reverse=True)
    assert newest[0] == T + 299_999 * 1_000_000 - (299_999 % 7) * 1_000_000
