"""The console in a real browser (Debian's Chromium through Playwright) against a real server.

One server (with a replayed, finished investigation) and one browser serve every test of this
module; every test logs in afresh. The approval tests check what the Kubernetes replay, in its
write-recording mode, actually received.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from browser import ARTIFACTS, chromium
from console_harness import (
    APPROVER_TOKEN,
    HOSTILE_LINE,
    HOSTILE_LINK,
    VIEWER_TOKEN,
    Console,
    admit,
    replayed_alert,
    running_console,
)
from incidents import INCIDENTS

from agent.replay.environment import ReplayEnvironment

BUNDLE = "checkout-5xx-0412"
pytestmark = [pytest.mark.xdist_group("console"), pytest.mark.replay, pytest.mark.browser]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    env = ReplayEnvironment(INCIDENTS / BUNDLE, record_writes=True)
    with env, running_console(env, tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="module")
def context() -> Iterator[Any]:
    with chromium() as browser_context:
        yield browser_context


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    context.clear_cookies()
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.dialogs = dialogs
    yield tab
    tab.close()


def login(page: Any, console: Console, token: str, path: str = "/") -> None:
    page.goto(console.url + path)
    assert "/ui/login" in page.url  # no session yet: the console asks for a token
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_load_state()


def test_log_in_and_see_the_replayed_investigation(page: Any, console: Console) -> None:
    login(page, console, VIEWER_TOKEN)
    assert page.url == console.url + "/"
    row = page.locator("tbody#rows tr", has_text="HTTPErrorRatioHigh")
    assert row.count() == 1
    assert "awaiting approval" in row.inner_text() and "payments" in row.inner_text()
    assert "bob · viewer" in page.inner_text("header")
    cookie = next(c for c in page.context.cookies() if c["name"] == "agent_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "list.png"), full_page=True)


def test_investigation_shows_chart_evidence_and_queries(page: Any, console: Console) -> None:
    login(page, console, VIEWER_TOKEN, f"/ui/investigations/{console.replayed}")
    assert page.url.endswith(f"/ui/investigations/{console.replayed}")
    assert "payments" in page.inner_text(".cause")
    charts = page.locator("svg.chart")
    assert charts.count() >= 1
    first = charts.first
    assert first.locator("polyline.series").count() == 1
    assert first.locator("line.change").count() == 1  # the change point is marked
    assert first.locator("rect.baseline-period").count() == 1
    assert "level change at" in (first.get_attribute("aria-label") or "")
    # The ranking's evidence is charted too, from the series rank_components recorded.
    ranked = page.locator(".evidence", has_text="rank_components", has=page.locator("svg.chart"))
    assert ranked.count() >= 1
    assert page.locator(".evidence pre.quote").count() >= 3
    queries = page.locator(".evidence .query code").all_inner_texts()
    # Each quote shows the exact request behind it: the ranking's, the logs' LogQL.
    assert any(q.startswith("rank_components over {namespace=") for q in queries), queries
    assert any(q.startswith("LogQL ") for q in queries), queries
    # A ranked signal's quote carries the query that re-runs just that signal.
    quotes = page.locator(".evidence pre.quote").all_inner_texts()
    assert any("| query: " in q for q in quotes), quotes
    assert page.locator("#review-R1").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "investigation.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "investigation-top.png"))
    charted = page.locator(".evidence", has=page.locator("svg.chart")).first
    charted.screenshot(path=str(ARTIFACTS / "evidence-chart.png"))


def _review(page: Any, console: Console) -> str:
    path = f"/ui/investigations/{console.replayed}/remediations/R1"
    login(page, console, APPROVER_TOKEN, path)
    return str(page.inner_text("#request"))


def test_keyboard_reaches_the_approve_button(page: Any, console: Console) -> None:
    _review(page, console)
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement && document.activeElement.id"))
        if reached[-1] == "approve":
            break
    assert "confirm" in reached and reached[-1] == "approve", reached


def test_wrong_target_sends_nothing(page: Any, console: Console) -> None:
    shown = _review(page, console)
    assert "PATCH /apis/apps/v1/namespaces/shop/deployments/payments" in shown
    before = len(console.writes())
    page.fill("#confirm", "shop/checkout")
    page.click("#approve")
    assert "does not match" in page.inner_text(".problem")
    assert len(console.writes()) == before


def _expected_rollback(console: Console) -> dict[str, Any]:
    objects = console.env.bundle.k8s_objects
    deployment = next(o for o in objects if o["kind"] == "Deployment"
                      and o["metadata"]["name"] == "payments")  # fmt: skip
    uid = deployment["metadata"]["uid"]
    rs = next(o for o in objects if o["kind"] == "ReplicaSet"
              and any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences", []))
              and o["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "11")  # fmt: skip
    template = copy.deepcopy(rs["spec"]["template"])
    template["metadata"]["labels"].pop("pod-template-hash", None)
    return {
        "method": "PATCH",
        "path": "/apis/apps/v1/namespaces/shop/deployments/payments",
        "query": {"fieldManager": "incident-agent-approve"},
        "body": [
            {
                "op": "test",
                "path": "/metadata/resourceVersion",
                "value": deployment["metadata"]["resourceVersion"],
            },
            {"op": "replace", "path": "/spec/template", "value": template},
        ],
    }


def test_approve_by_typing_the_target_sends_exactly_the_request(
    page: Any, console: Console
) -> None:
    _review(page, console)
    before = len(console.writes())
    page.fill("#confirm", "shop/payments")
    page.click("#approve")
    assert "R1: applied by alice" in page.inner_text("#outcome")
    sent = console.writes()[before:]
    assert [
        {"method": w.method, "path": w.path, "query": w.query, "body": w.body} for w in sent
    ] == [_expected_rollback(console)]
    assert sent[0].content_type.startswith("application/json-patch+json")
    audit = console.server.approvals._audit.records()  # the gate's own audit log
    applied = [r for r in audit if r.get("decision") == "applied"]
    assert [(r["approver"], r["remediation_id"]) for r in applied] == [("alice", "R1")]
    # Single use: the same page again refuses (nothing more is sent).
    page.goto(f"{console.url}/ui/investigations/{console.replayed}/remediations/R1")
    assert "already approved by alice" in page.inner_text(".problem")
    assert len(console.writes()) == before + 1


def test_hostile_telemetry_renders_inert(page: Any, console: Console) -> None:
    answers: list[Any] = []
    page.on("response", lambda answer: answers.append(answer))
    login(page, console, VIEWER_TOKEN, f"/ui/investigations/{console.hostile}")
    assert page.get_by_text(HOSTILE_LINE).count() >= 3  # quote, statement, annotation, ...
    assert page.get_by_text(HOSTILE_LINK).count() == 2  # annotation and runbook, as text
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.locator("main img").count() == 0
    assert page.evaluate("document.scripts.length") == 1  # the console's own script only
    assert page.evaluate("[...document.scripts].map(s => s.src)") == [
        console.url + "/ui/static/console.js"
    ]
    assert page.locator("svg.chart").count() == 1
    assert page.dialogs == []
    html = next(a for a in answers if a.url.endswith(f"/ui/investigations/{console.hostile}"))
    assert "script-src 'self'" in html.headers["content-security-policy"]


def test_a_viewer_cannot_approve(page: Any, console: Console) -> None:
    login(page, console, VIEWER_TOKEN, f"/ui/investigations/{console.replayed}/remediations/R1")
    assert page.locator("#approve").count() == 0
    assert "Only approvers" in page.inner_text("main")


def test_the_list_shows_new_investigations_without_a_reload(page: Any, console: Console) -> None:
    login(page, console, VIEWER_TOKEN)
    page.evaluate("window.notReloaded = true")
    alert = replayed_alert(console.env).model_copy(
        update={"fingerprint": "live0000000000001", "labels": {
            **replayed_alert(console.env).labels, "alertname": "LiveUpdateCheck"}}
    )  # fmt: skip
    admit(console.server, alert)
    page.locator("tbody#rows tr", has_text="LiveUpdateCheck").wait_for(timeout=20_000)
    assert page.evaluate("window.notReloaded") is True
