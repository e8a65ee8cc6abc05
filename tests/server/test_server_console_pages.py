"""The console's access rules and page hygiene, over HTTP without a browser.

Login trades a token for an HttpOnly, SameSite=Strict session cookie (Secure over TLS); forms
need their CSRF token; a viewer cannot decide; pages carry the CSP and contain no inline script,
inline style or event-handler attribute, whatever the telemetry says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import server_payloads as p
from server_harness import (
    APPROVER_TOKEN,
    VIEWER_TOKEN,
    CountingRunner,
    admit,
    finish,
    running,
    settings,
)
from starlette.testclient import TestClient

from agent.alerts.model import alert_from_alertmanager
from agent.report.model import (
    AlertRef,
    Evidence,
    Hypothesis,
    NextStep,
    Ownership,
    Precondition,
    Remediation,
    Report,
    RootCause,
    Severity,
    StatusPage,
    Target,
)
from agent.server.access import SESSION_COOKIE
from agent.server.console.routes import LOGIN_CSRF_COOKIE
from agent.server.deps import Server

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"


def _report(inv: str) -> Report:
    return Report(
        investigation_id=inv,
        alert=AlertRef(fingerprint="fp", name="Checkout5xx", labels={"namespace": "shop"}),
        status="complete",
        brain="scripted",
        root_cause=RootCause(
            component="checkout", category="deployment", summary=HOSTILE, confidence=0.8
        ),
        hypotheses=[
            Hypothesis(
                id="H1",
                component="checkout",
                category="deployment",
                statement=HOSTILE,
                status="supported",
                confidence=0.8,
                evidence=[
                    Evidence(
                        tool_call_id="c9",
                        tool="query_logs",
                        query='{app="x"} |= "<b>"',
                        quote=HOSTILE,
                        verified=True,
                    )
                ],
            )
        ],
        remediations=[
            Remediation(
                id="R1",
                action="restart_deployment",
                target=Target(kind="Deployment", namespace="shop", name="checkout"),
                rationale="restart",
                risk="low",
                precondition=Precondition(resource_version="5"),
            )
        ],
        severity=Severity(level="SEV-2", reason="5% of checkouts fail"),
        ownership=Ownership(team="team-checkout", kind="service", reason="its rollout"),
        next_steps=[
            NextStep(
                action="Check the rollout",
                kind="kubectl",
                command="kubectl -n shop rollout history deploy/checkout",
                expected="revision 12 at the onset",
                link="javascript:alert(2)",
            )
        ],
        data_needed=["traces of the failing requests"],
        status_page=StatusPage(
            title="Checkout errors",
            body="Some payments fail.",
            component="Checkout",
            status="identified",
        ),
        started_at=NOW,
        finished_at=NOW,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Server, str]]:
    config = settings(tmp_path_factory.mktemp("console"))
    with running(config, CountingRunner(), start_workers=False, viewer_session=False) as (client, server):  # fmt: skip
        inv = admit(server.store, alert_from_alertmanager(p.am_alert()))
        finish(server.store, inv, _report(inv))
        yield client, server, inv


def _login(client: TestClient, token: str, next_path: str = "/") -> tuple[str, str]:
    """Log in through the form; the session id and the page's CSRF token."""
    client.cookies.clear()
    form = client.get(f"/ui/login?next={next_path}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post("/ui/login", data={"token": token, "csrf": csrf[1], "next": next_path},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    session = answer.cookies.get(SESSION_COOKIE)
    assert session is not None
    page = client.get("/")
    token_in_page = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token_in_page is not None
    return session, token_in_page[1]


def test_pages_redirect_to_login_and_refuse_wrong_tokens(
    served: tuple[TestClient, Server, str],
) -> None:
    client, _, inv = served
    client.cookies.clear()
    answer = client.get(f"/ui/investigations/{inv}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/ui/login?next=/ui/investigations/{inv}"
    wrong = client.get("/", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and "wrong bearer token" in wrong.text
    bearer = client.get("/", headers={"Authorization": f"Bearer {VIEWER_TOKEN}"})
    assert bearer.status_code == 200 and f"/ui/investigations/{inv}" in bearer.text


def test_login_sets_a_strict_http_only_cookie_and_needs_its_csrf_token(
    served: tuple[TestClient, Server, str],
) -> None:
    client, _, _ = served
    client.cookies.clear()
    client.get("/ui/login")
    no_csrf = client.post("/ui/login", data={"token": VIEWER_TOKEN, "csrf": "forged"})
    assert no_csrf.status_code == 403 and SESSION_COOKIE not in no_csrf.cookies
    csrf = client.cookies.get(LOGIN_CSRF_COOKIE)
    bad = client.post("/ui/login", data={"token": "guess", "csrf": csrf})
    assert bad.status_code == 403 and "not a viewer or approver token" in bad.text
    good = client.post("/ui/login", data={"token": VIEWER_TOKEN, "csrf": csrf,
                                          "next": "//evil.example/"}, follow_redirects=False)  # fmt: skip
    assert good.status_code == 303 and good.headers["location"] == "/"  # no open redirect
    cookie = next(v for k, v in good.headers.multi_items()
                  if k == "set-cookie" and v.startswith(SESSION_COOKIE))  # fmt: skip
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_tls(served: tuple[TestClient, Server, str]) -> None:
    client, _server, _ = served
    with TestClient(client.app, base_url="https://console.test") as tls:
        tls.get("/ui/login")
        answer = tls.post("/ui/login", data={"token": VIEWER_TOKEN,
                                             "csrf": tls.cookies.get(LOGIN_CSRF_COOKIE)},
                          follow_redirects=False)  # fmt: skip
        cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
        assert any(c.startswith(SESSION_COOKIE) and "Secure" in c for c in cookies), cookies


def test_decisions_need_the_csrf_token_and_an_approver(
    served: tuple[TestClient, Server, str],
) -> None:
    client, server, inv = served
    url = f"/ui/investigations/{inv}/remediations/R1"
    _, csrf = _login(client, APPROVER_TOKEN)
    for form in ({"confirm": "shop/checkout"}, {"confirm": "shop/checkout", "csrf": "forged"}):
        answer = client.post(f"{url}/approve", data=form)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert client.post(f"{url}/reject", data={"reason": "x"}).status_code == 403
    _, viewer_csrf = _login(client, VIEWER_TOKEN)
    refused = client.post(f"{url}/reject", data={"reason": "x", "csrf": viewer_csrf})
    assert refused.status_code == 403 and "viewer" in refused.text
    assert server.approvals.decisions(server.store.get(inv).report)["R1"] is None  # type: ignore[union-attr]
    refused = server.store.audit_records("approval_refused")
    assert [(r["who"], "CSRF" in r["reason"]) for r in refused] == [
        ("alice", True), ("alice", True), ("alice", True), ("bob", False)
    ]  # fmt: skip
    # With the token, the same gate as the API answers (no executor configured here: 503).
    _, csrf = _login(client, APPROVER_TOKEN)
    gate = client.post(f"{url}/approve", data={"confirm": "shop/checkout", "csrf": csrf})
    assert gate.status_code == 503 and "executor_kubeconfig" in gate.text


def test_pages_carry_the_csp_and_no_inline_script(served: tuple[TestClient, Server, str]) -> None:
    client, _, inv = served
    _login(client, APPROVER_TOKEN)
    for path in ("/", f"/ui/investigations/{inv}", f"/ui/investigations/{inv}/remediations/R1",
                 "/ui/login", "/ui/rows"):  # fmt: skip
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert (
            page.headers["x-frame-options"] == "DENY"
            and page.headers["cache-control"] == "no-store"
        )
        scripts = re.findall(r"<script\b[^>]*>", page.text)
        assert all('src="/ui/static/console.js"' in s for s in scripts), scripts
        assert not re.search(r"\s(on[a-z]+|style)\s*=", page.text), path
        assert HOSTILE not in page.text  # only ever escaped


def test_the_hostile_report_is_escaped(served: tuple[TestClient, Server, str]) -> None:
    client, _, inv = served
    _login(client, VIEWER_TOKEN)
    page = client.get(f"/ui/investigations/{inv}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{app=&#34;x&#34;} |= &#34;&lt;b&gt;&#34;" in page


def test_static_assets_are_served_from_the_package(served: tuple[TestClient, Server, str]) -> None:
    client, _, _ = served
    css = client.get("/ui/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/ui/static/console.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/ui/static/..%2Fpages.py").status_code == 404


def test_triage_fields_are_shown(served: tuple[TestClient, Server, str]) -> None:
    client, _, inv = served
    _login(client, VIEWER_TOKEN)
    page = client.get(f"/ui/investigations/{inv}").text
    assert "SEV-2</strong> — 5% of checkouts fail" in page
    assert "team-checkout</strong> (service) — its rollout" in page
    assert "kubectl -n shop rollout history deploy/checkout" in page
    assert "Expect: revision 12 at the onset" in page and 'href="javascript' not in page
    assert "traces of the failing requests" in page and "identified · component Checkout" in page
    listing = client.get("/").text
    assert "SEV-2" in listing and "team-checkout" in listing
