"""The FastAPI surface: /openapi.json documents every endpoint; no client input gets a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
import server_payloads as p
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from server_harness import (
    AM_AUTH,
    APPROVER_TOKEN,
    CountingRunner,
    admit,
    finish,
    running,
    settings,
)
from starlette.testclient import TestClient

from agent.alerts.model import alert_from_alertmanager
from agent.report.model import AlertRef, Report
from agent.server.deps import Server
from agent.server.store import STATUSES

APPROVER = {"Authorization": f"Bearer {APPROVER_TOKEN}"}
EXPECTED = {
    "/webhooks/alertmanager": {"post"},
    "/webhooks/grafana": {"post"},
    "/webhooks/pagerduty": {"post"},
    "/investigations": {"get"},
    "/investigations/{investigation_id}": {"get"},
    "/investigations/{investigation_id}/report.md": {"get"},
    "/investigations/{investigation_id}/remediations/{remediation_id}/approve": {"post"},
    "/investigations/{investigation_id}/remediations/{remediation_id}/reject": {"post"},
    "/slack/interactions": {"post"},
    "/healthz": {"get"},
    "/metrics": {"get"},
}


def _admit(server: Server, name: str) -> str:
    inv = admit(server.store, alert_from_alertmanager(p.am_alert(name)))
    assert inv is not None
    return inv


def _finish(server: Server, inv: str) -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    report = Report(investigation_id=inv, alert=AlertRef(fingerprint="fp", name="Reported"),
                    status="complete", brain="fake", started_at=now, finished_at=now)  # fmt: skip
    finish(server.store, inv, report)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    config = settings(tmp_path_factory.mktemp("openapi"))
    with running(config, CountingRunner(), start_workers=False) as (client, server):
        ids = {"queued": _admit(server, "Queued"), "reported": _admit(server, "Reported")}
        _finish(server, ids["reported"])
        yield client, ids


def test_openapi_documents_every_endpoint(served: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = served
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "agent serve" and doc["info"]["version"]
    assert doc["info"]["description"]
    assert {path: set(ops) for path, ops in doc["paths"].items()} == EXPECTED
    listing = {q["name"]: q for q in doc["paths"]["/investigations"]["get"]["parameters"]}
    assert set(listing) == {"status", "alert", "limit"}
    assert listing["limit"]["schema"]["maximum"] == 1000
    approve = doc["paths"][
        "/investigations/{investigation_id}/remediations/{remediation_id}/approve"
    ]["post"]
    body = approve["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["confirm"] and body["additionalProperties"] is False
    assert approve["security"] == [{"HTTPBearer": []}]
    assert {"200", "401", "403", "409"} <= set(approve["responses"])
    for source in ("alertmanager", "grafana", "pagerduty"):
        hook = doc["paths"][f"/webhooks/{source}"]["post"]
        assert "requestBody" in hook and {"200", "401", "413", "422"} <= set(hook["responses"])
    report = doc["paths"]["/investigations/{investigation_id}/report.md"]["get"]
    assert "text/markdown" in report["responses"]["200"]["content"]
    # No Swagger UI or ReDoc: both would load their scripts from a CDN.
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404


def test_validation_errors_are_400_naming_the_field(
    served: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = served
    for params, field in (({"limit": "0"}, "'limit'"), ({"limit": "x"}, "'limit'"),
                          ({"status": "bogus"}, "'status'")):  # fmt: skip
        answer = client.get("/investigations", params=params)
        assert answer.status_code == 400 and field in answer.json()["error"], answer.text
    url = f"/investigations/{ids['queued']}/remediations/r1/approve"
    for body, field in (({"confirm": 7}, "'confirm'"), ({}, "'confirm'"),
                        ({"confirm": "a/b", "dryrun": True}, "'dryrun'"),
                        ({"confirm": "a/b", "dry_run": "yes"}, "'dry_run'")):  # fmt: skip
        answer = client.post(url, json=body, headers=APPROVER)
        assert answer.status_code == 400 and field in answer.json()["error"], answer.text
    not_json = client.post(url, content=b"{", headers=APPROVER)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    # Authentication comes before the body is read: no token, no parsing.
    assert client.post(url, content=b"{", headers={}).status_code == 401


def test_router_errors_are_json_and_get_routes_answer_head(
    served: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = served
    assert client.get("/nowhere").json() == {"error": "Not Found"}
    wrong_method = client.get("/webhooks/alertmanager")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    unknown = client.post("/webhooks/opsgenie", content=b"{}")
    assert unknown.status_code == 404 and "alertmanager" in unknown.json()["error"]
    verb = client.post(f"/investigations/{ids['queued']}/remediations/r1/delete", headers=APPROVER)
    assert verb.status_code == 404 and "approve" in verb.json()["error"]
    for path in ("/healthz", "/metrics", f"/investigations/{ids['reported']}/report.md"):
        assert client.head(path).status_code == 200, path


def test_an_internal_fault_is_a_500_without_a_traceback(tmp_path: Path) -> None:
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        server.store.close()  # every query now raises sqlite3.ProgrammingError
        answer = client.get("/investigations")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal server error; the details are in the server log"}


_text = st.text(max_size=24)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12,
)
_decision = st.fixed_dictionaries(
    {},
    optional={"confirm": _json | _text, "dry_run": _json, "reason": _json | _text,
              "extra": _json},
)  # fmt: skip
_bodies = (
    st.binary(max_size=300)
    | _json.map(lambda v: json.dumps(v).encode())
    | _decision.map(lambda v: json.dumps(v).encode())
)
_auth = st.sampled_from([APPROVER, AM_AUTH, {}, {"Authorization": "Bearer"},
                         {"Authorization": "Basic eDp5"}])  # fmt: skip
_params = st.lists(
    st.tuples(
        st.sampled_from(["status", "limit", "alert"]) | _text,
        st.sampled_from([*STATUSES, "0", "1", "1000", "1001", "-1", "1e3"]) | _text,
    ),
    max_size=4,
)
# Raw query strings, percent-encoded except for the structure, so "%zz" and "%ff" get through.
_raw_query = st.binary(max_size=40).map(lambda raw: quote_from_bytes(raw, safe="=&%+"))


def _id(ids: dict[str, str], which: str | None, text: str) -> str:
    return quote(ids[which] if which else text, safe="")


@hsettings(max_examples=150, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(params=_params, raw=_raw_query, which=st.sampled_from(["queued", "reported", None]),
       text=_text, method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE"]))  # fmt: skip
def test_no_query_or_path_gets_a_5xx(served: tuple[TestClient, dict[str, str]], params: list[tuple[str, str]],
                                     raw: str, which: str | None, text: str, method: str) -> None:  # fmt: skip
    client, ids = served
    inv = _id(ids, which, text)
    for url, kwargs in (
        ("/investigations", {"params": params}),
        (f"/investigations?{raw}", {}),
        (f"/investigations/{inv}", {"params": params}),
        (f"/investigations/{inv}/report.md?{raw}", {}),
        (f"/metrics?{raw}", {}),
        (f"/healthz?{raw}", {}),
    ):
        answer = client.request(method, url, **kwargs)
        assert answer.status_code < 500, (method, url, params, answer.text)


@hsettings(max_examples=150, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(body=_bodies, auth=_auth, which=st.sampled_from(["queued", "reported", None]),
       text=_text, rid=_text, content_type=st.sampled_from(["application/json", "text/plain", ""]))  # fmt: skip
def test_no_decision_request_gets_a_5xx(served: tuple[TestClient, dict[str, str]], body: bytes,
                                        auth: dict[str, str], which: str | None, text: str,
                                        rid: str, content_type: str) -> None:  # fmt: skip
    client, ids = served
    headers: dict[str, Any] = {**auth, "Content-Type": content_type}
    base = f"/investigations/{_id(ids, which, text)}/remediations/{quote(rid, safe='')}"
    urls = [f"{base}/reject"]
    # An approval that passes every check on an investigation with a report reaches the missing
    # executor: a deliberate 503 for a server without one (test_approve_without_executor_is_503).
    if which != "reported":
        urls.append(f"{base}/approve")
    for url in urls:
        answer = client.post(url, content=body, headers=headers)
        assert answer.status_code < 500, (url, body[:200], answer.text)
