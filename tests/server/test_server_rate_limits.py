"""Server-wide rate limits across investigations: proposals withheld, approvals 429."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import server_payloads as p
from report_fakes import proposal
from server_harness import APPROVER_TOKEN, Clock, CountingRunner, admit, finish, running, settings

from agent.alerts.model import alert_from_alertmanager
from agent.report.model import AlertRef, Report
from agent.server.store.rate_limits import WITHHELD, RateLimit

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
APPROVER = {"Authorization": f"Bearer {APPROVER_TOKEN}"}


def _report(investigation_id: str, proposals: int) -> Report:
    return Report(
        investigation_id=investigation_id,
        alert=AlertRef(fingerprint="fp", name="CheckoutHighErrorRate"),
        status="complete",
        brain="scripted",
        remediations=[
            proposal(f"r{i}", "restart_deployment", "shop/checkout") for i in range(proposals)
        ],
        started_at=NOW,
        finished_at=NOW,
    )


def _investigation(server, name: str) -> str:  # type: ignore[no-untyped-def]
    return admit(server.store, alert_from_alertmanager(p.am_alert(name)))


def test_proposals_beyond_the_window_limit_are_withheld_and_cannot_be_approved(
    tmp_path: Path,
) -> None:
    clock = Clock()
    config = settings(tmp_path, proposals_per_window=3, rate_window_seconds=600)
    with running(config, CountingRunner(), clock=clock, start_workers=False) as (client, server):
        first, second, third = (_investigation(server, n) for n in ("A", "B", "C"))
        limit = RateLimit(config.server.proposals_per_window, config.server.rate_window_seconds)
        assert finish(server.store, first, _report(first, 2), limit) == "awaiting_approval"
        assert finish(server.store, second, _report(second, 2), limit) == "done"
        stored = server.store.get(second).report  # type: ignore[union-attr]
        assert all(r.rationale.startswith(WITHHELD) for r in stored.remediations)
        assert "2 proposals in the last 10 min" in stored.remediations[0].rationale
        refused = client.post(f"/investigations/{second}/remediations/r0/approve",
                              json={"confirm": "shop/checkout"}, headers=APPROVER)  # fmt: skip
        assert refused.status_code == 409 and WITHHELD in refused.json()["error"]
        # Once the window has passed, proposals are offered again.
        clock.now += 601
        assert finish(server.store, third, _report(third, 2), limit) == "awaiting_approval"


def test_approvals_beyond_the_window_limit_get_429_with_retry_after(tmp_path: Path) -> None:
    clock = Clock()
    config = settings(tmp_path, approvals_per_window=2, rate_window_seconds=600)
    with running(config, CountingRunner(), clock=clock, start_workers=False) as (client, server):
        inv = _investigation(server, "A")
        finish(server.store, inv, _report(inv, 1))
        url = f"/investigations/{inv}/remediations/r0/approve"
        body = {"confirm": "shop/checkout"}
        # Two approvals carried out across other investigations in this window.
        for other in ("inv-x", "inv-y"):
            server.store.audit("remediation_approved", investigation_id=other, decision="applied")
        clock.now += 60
        busy = client.post(url, json=body, headers=APPROVER)
        assert busy.status_code == 429, busy.text
        assert "approval rate limit reached: 2 approvals" in busy.json()["error"]
        assert busy.headers["Retry-After"] == "540"
        # A dry run changes nothing and is not limited (here it reaches the missing executor).
        dry = client.post(url, json=body | {"dry_run": True}, headers=APPROVER)
        assert dry.status_code == 503
        clock.now += 541
        assert client.post(url, json=body, headers=APPROVER).status_code == 503
