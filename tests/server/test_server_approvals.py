"""Approve and reject over HTTP: the same gate as ``agent approve``, approver identity recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import server_payloads as p
from report_fakes import proposal, supported
from server_harness import (
    AM_AUTH,
    APPROVER_TOKEN,
    Clock,
    CountingRunner,
    admit,
    finish,
    running,
    settings,
)
from starlette.applications import Starlette

from agent.alerts.model import alert_from_alertmanager
from agent.config.settings import RemediationSettings
from agent.remediation import AuditLog, Executor
from agent.replay.http import LoopbackServers
from agent.replay.kubernetes import create_app, write_kubeconfig
from agent.report.model import (
    AlertRef,
    Report,
    RootCause,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
APPROVER = {"Authorization": f"Bearer {APPROVER_TOKEN}"}


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "checkout",
            "namespace": "shop",
            "uid": "u-1",
            "resourceVersion": "500",
            "annotations": {"deployment.kubernetes.io/revision": "2"},
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "checkout"}},
            "template": {
                "metadata": {"labels": {"app": "checkout"}},
                "spec": {"containers": [{"name": "c", "image": "checkout:v2"}]},
            },
        },
    }


def _report(investigation_id: str, finished_at: datetime | None = None) -> Report:
    return Report(
        investigation_id=investigation_id,
        alert=AlertRef(
            fingerprint="fp", name="CheckoutHighErrorRate", labels={"namespace": "shop"}
        ),
        status="complete",
        brain="scripted",
        root_cause=RootCause(
            component="checkout", category="deployment", summary="v2", confidence=0.9
        ),
        # The gate acts only on what a supported hypothesis with verified evidence names.
        hypotheses=[supported("checkout")],
        remediations=[
            proposal("restart", "restart_deployment", "shop/checkout"),
            proposal("scale", "scale_deployment", "shop/checkout", params={"replicas": 4}),
        ],
        # Just finished: the server's gate runs on the wall clock and proposals expire.
        started_at=finished_at or datetime.now(UTC),
        finished_at=finished_at or datetime.now(UTC),
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Starlette, Path]]:
    app = create_app([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}, _deployment()],
                     [], NOW, record_writes=True)  # fmt: skip
    with LoopbackServers({"k8s": app}) as servers:
        yield (
            app,
            write_kubeconfig(tmp_path_factory.mktemp("exec") / "kubeconfig", servers.urls["k8s"]),
        )


def test_approve_then_reject_through_the_gate(
    cluster: tuple[Starlette, Path], tmp_path: Path
) -> None:
    app, kubeconfig = cluster
    app.state.recorded_writes.clear()
    with running(settings(tmp_path), CountingRunner(), start_workers=False,
                 executor=lambda: Executor.from_kubeconfig(kubeconfig)) as (client, server):  # fmt: skip
        inv = admit(server.store, alert_from_alertmanager(p.am_alert()))
        assert inv is not None
        assert client.post(f"/investigations/{inv}/remediations/restart/approve", json={"confirm": "shop/checkout"},
                           headers=APPROVER).status_code == 409  # no report yet  # fmt: skip
        assert finish(server.store, inv, _report(inv)) == "awaiting_approval"
        base = f"/investigations/{inv}/remediations"

        wrong = client.post(
            f"{base}/restart/approve", json={"confirm": "shop/other"}, headers=APPROVER
        )
        assert wrong.status_code == 409 and "does not match" in wrong.json()["error"]
        assert client.post(f"{base}/restart/approve", json={}, headers=APPROVER).status_code == 400
        assert (
            client.post(
                f"{base}/nope/approve", json={"confirm": "shop/checkout"}, headers=APPROVER
            ).status_code
            == 404
        )
        assert client.post(f"{base}/restart/delete", json={}, headers=APPROVER).status_code == 404
        assert app.state.recorded_writes == []

        ok = client.post(
            f"{base}/restart/approve", json={"confirm": "shop/checkout"}, headers=APPROVER
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["decision"] == "applied" and ok.json()["approver"] == "alice"
        assert len(app.state.recorded_writes) == 1
        again = client.post(
            f"{base}/restart/approve", json={"confirm": "shop/checkout"}, headers=APPROVER
        )
        assert again.status_code == 409 and "already approved by alice" in again.json()["error"]
        assert server.store.get(inv).status == "awaiting_approval"  # type: ignore[union-attr]

        rejected = client.post(f"{base}/scale/reject", json={"reason": "not now"}, headers=APPROVER)
        assert rejected.status_code == 200 and rejected.json() == {
            "decision": "rejected",
            "approver": "alice",
        }
        late = client.post(
            f"{base}/scale/approve", json={"confirm": "shop/checkout"}, headers=APPROVER
        )
        assert late.status_code == 409 and "rejected by alice" in late.json()["error"]
        assert len(app.state.recorded_writes) == 1
        assert server.store.get(inv).status == "done"  # type: ignore[union-attr]

        audit = AuditLog(tmp_path / "audit.jsonl").records()
        assert [(r["decision"], r["approver"]) for r in audit if "decision" in r] == [
            ("aborted", "alice"), ("refused", "alice"), ("applied", "alice"), ("refused", "alice"), ("rejected", "alice")
        ]  # fmt: skip
        assert [r["event"] for r in audit].count("remediation_intent") == 1  # before the write


def test_approve_without_executor_is_503(tmp_path: Path) -> None:
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        inv = admit(server.store, alert_from_alertmanager(p.am_alert()))
        assert inv is not None
        finish(server.store, inv, _report(inv))
        response = client.post(f"/investigations/{inv}/remediations/restart/approve",
                               json={"confirm": "shop/checkout"}, headers=APPROVER)  # fmt: skip
        assert response.status_code == 503 and "executor_kubeconfig" in response.json()["error"]
        assert (
            client.post(
                f"/investigations/{inv}/remediations/restart/approve", headers=AM_AUTH
            ).status_code
            == 403
        )


def test_the_configured_proposal_ttl_decides_when_a_proposal_expires(
    cluster: tuple[Starlette, Path], tmp_path: Path
) -> None:
    app, kubeconfig = cluster
    app.state.recorded_writes.clear()
    finished = datetime.now(UTC)
    clock = Clock(finished.timestamp())
    config = settings(tmp_path).model_copy(
        update={"remediation": RemediationSettings(proposal_ttl=timedelta(hours=2))}
    )
    with running(config, CountingRunner(), clock=clock, start_workers=False,
                 executor=lambda: Executor.from_kubeconfig(kubeconfig)) as (client, server):  # fmt: skip
        inv = admit(server.store, alert_from_alertmanager(p.am_alert()))
        finish(server.store, inv, _report(inv, finished))
        base = f"/investigations/{inv}/remediations"
        confirm = {"confirm": "shop/checkout"}

        clock.now = (finished + timedelta(minutes=61)).timestamp()  # past the default 1 h
        ok = client.post(f"{base}/restart/approve", json=confirm, headers=APPROVER)
        assert ok.status_code == 200, ok.text
        assert len(app.state.recorded_writes) == 1

        clock.now = (finished + timedelta(minutes=121)).timestamp()  # past the configured 2 h
        late = client.post(f"{base}/scale/approve", json=confirm, headers=APPROVER)
        assert late.status_code == 409 and "expired" in late.json()["error"]
        assert len(app.state.recorded_writes) == 1
