"""The confirmation gate against the Kubernetes replay server in write-recording mode."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from report_fakes import proposal, supported
from starlette.applications import Starlette

from agent.cli.approve import run
from agent.config.backends import BackendSettings
from agent.config.settings import RemediationSettings, Settings
from agent.remediation import AuditLog, JsonFileStore
from agent.replay.http import LoopbackServers
from agent.replay.kubernetes import create_app, write_kubeconfig
from agent.report.model import (
    AlertRef,
    Precondition,
    Report,
    RootCause,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
UID = "0b4f3a52-6a55-4a8e-9d0c-1b1c1f0e0001"
PATH = "/apis/apps/v1/namespaces/shop/deployments/payments"


def _template(image: str, hash_: str | None = None) -> dict[str, Any]:
    labels = {"app": "payments"} | ({"pod-template-hash": hash_} if hash_ else {})
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "payments", "image": image}]},
    }


def _deployment(namespace: str, name: str, uid: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": "500",
            "annotations": {"deployment.kubernetes.io/revision": "2"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": name}},
            "template": _template("registry.local/payments:v2"),
        },
    }


def _replica_set(hash_: str, revision: int, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"payments-{hash_}",
            "namespace": "shop",
            "labels": {"app": "payments", "pod-template-hash": hash_},
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "payments", "uid": UID}
            ],
        },
        "spec": {"replicas": 0, "template": _template(image, hash_)},
    }


def _objects() -> list[dict[str, Any]]:
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        _deployment("shop", "payments", UID),
        _deployment("shop", "cart", "uid-cart"),
        _deployment("finance", "payments", "uid-finance"),
        _replica_set("6f7c8d9b4", 1, "registry.local/payments:v1"),
        _replica_set("7d9f8b6c5", 2, "registry.local/payments:v2"),
    ]


def _report() -> Report:
    return Report(
        investigation_id="inv-7",
        alert=AlertRef(fingerprint="fp", name="PaymentsErrors", labels={"namespace": "shop"}),
        status="complete",
        brain="scripted",
        root_cause=RootCause(
            component="payments", category="deployment", summary="v2", confidence=0.9
        ),
        hypotheses=[
            supported("payments", hypothesis_id="h0"),
            # The model may call anything "supported": without a verified quote it shows nothing.
            supported("cart", verified=False, hypothesis_id="h1"),
        ],
        remediations=[
            proposal("rollback", "rollback_deployment", params={"to_revision": 1}),
            proposal("scale", "scale_deployment", params={"replicas": 5}),
            proposal("restart", "restart_deployment"),
            proposal(
                "other-ns", "rollback_deployment", "finance/payments", params={"to_revision": 1}
            ),
            proposal("not-implicated", "restart_deployment", "shop/cart"),
            proposal(
                "stale",
                "scale_deployment",
                params={"replicas": 5},
                precondition=Precondition(resource_version="499"),
            ),
            proposal("stale-revision", "restart_deployment", precondition=Precondition(revision=1)),
            proposal("no-precondition", "restart_deployment", precondition=Precondition()),
            proposal("by-hand", "manual"),
        ],
        started_at=NOW,
        finished_at=NOW,
    )


@dataclass
class Cluster:
    app: Starlette
    kubeconfig: Path
    state: Path

    @property
    def writes(self) -> list[Any]:
        return list(self.app.state.recorded_writes)

    def audit(self) -> list[dict[str, Any]]:
        """The approval decisions (intents and reconciliations are in ``journal``)."""
        return [r for r in self.journal() if r["event"] == "remediation_approval"]

    def journal(self) -> list[dict[str, Any]]:
        return AuditLog(self.state / "audit.jsonl").records()

    def approve(
        self,
        remediation_id: str,
        typed: str | None = "shop/payments",
        *,
        dry_run: bool = False,
        settings: Settings | None = None,
        investigation_id: str = "inv-7",
        clock: Callable[[], datetime] = lambda: NOW,
        while_asked: Callable[[], None] = lambda: None,
    ) -> tuple[int, list[str]]:
        prompts: list[str] = []

        def ask(prompt: str) -> str:
            prompts.append(prompt)
            while_asked()
            if typed is None:
                raise EOFError
            return typed

        args = argparse.Namespace(
            investigation_id=investigation_id,
            remediation_id=remediation_id,
            executor_kubeconfig=self.kubeconfig,
            context=None,
            dry_run=dry_run,
            state_dir=self.state,
            approver="alice",
            config=None,
        )
        code = run(args, ask=ask, settings=settings or Settings(), clock=clock)
        return code, prompts


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Starlette, Path]]:
    # One server for the module: starting and stopping one per test would dominate the run.
    app = create_app(_objects(), [], NOW, record_writes=True)
    with LoopbackServers({"k8s": app}) as servers:
        path = tmp_path_factory.mktemp("executor") / "kubeconfig"
        yield app, write_kubeconfig(path, servers.urls["k8s"])


@pytest.fixture
def cluster(served: tuple[Starlette, Path], tmp_path: Path) -> Cluster:
    app, kubeconfig = served
    app.state.recorded_writes.clear()
    state = tmp_path / "state"
    JsonFileStore(state).save(_report())
    return Cluster(app, kubeconfig, state)


def _guard() -> dict[str, Any]:
    return {"op": "test", "path": "/metadata/resourceVersion", "value": "500"}


def test_rollback_sends_exactly_the_target_revision_template(cluster: Cluster) -> None:
    code, prompts = cluster.approve("rollback")
    assert code == 0
    assert prompts == ["Type shop/payments to confirm, anything else aborts: "]
    [write] = cluster.writes
    assert (write.method, write.path) == ("PATCH", PATH)
    assert write.query == {"fieldManager": "incident-agent-approve"}
    assert write.content_type == "application/json-patch+json"
    assert write.body == [
        _guard(),
        {
            "op": "replace",
            "path": "/spec/template",
            "value": _template("registry.local/payments:v1"),
        },
    ]
    [record] = cluster.audit()
    assert record["decision"] == "applied" and record["approver"] == "alice"
    assert record["request"]["path"] == PATH and record["time"] == NOW.isoformat()


def test_scale_patches_the_scale_subresource(cluster: Cluster) -> None:
    assert cluster.approve("scale")[0] == 0
    [write] = cluster.writes
    assert write.path == PATH + "/scale"
    assert write.body == [_guard(), {"op": "replace", "path": "/spec/replicas", "value": 5}]


def test_restart_sets_restarted_at_from_the_clock(cluster: Cluster) -> None:
    assert cluster.approve("restart")[0] == 0
    [write] = cluster.writes
    assert write.path == PATH
    assert write.body == [
        _guard(),
        {
            "op": "add",
            "path": "/spec/template/metadata/annotations",
            "value": {"kubectl.kubernetes.io/restartedAt": "2024-05-01T12:00:00Z"},
        },
    ]


@pytest.mark.parametrize("typed", ["payments", "shop/payments-x", "yes", "", None])
def test_wrong_confirmation_sends_nothing(cluster: Cluster, typed: str | None) -> None:
    assert cluster.approve("rollback", typed)[0] == 1
    assert cluster.writes == []
    assert cluster.audit()[-1]["decision"] == "aborted"
    # An aborted attempt does not use up the approval.
    assert cluster.approve("rollback")[0] == 0


@pytest.mark.parametrize(
    ("remediation_id", "reason"),
    [
        ("other-ns", "outside the investigation's scope"),
        ("not-implicated", "no supported hypothesis with verified evidence names it"),
        ("stale", "target changed since the proposal (resourceVersion 499 → 500)"),
        ("stale-revision", "target changed since the proposal (revision 1 → 2)"),
        ("no-precondition", "records no precondition"),
    ],
)
def test_refusals_send_nothing_and_are_audited(
    cluster: Cluster, remediation_id: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, prompts = cluster.approve(remediation_id)
    assert code == 1 and prompts == []
    assert cluster.writes == []
    assert reason in capsys.readouterr().err
    [record] = cluster.audit()
    assert record["decision"] == "refused" and reason in record["reason"]


def test_second_use_refused(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    assert cluster.approve("scale")[0] == 0
    assert cluster.approve("scale")[0] == 1
    assert len(cluster.writes) == 1
    assert "already approved by alice" in capsys.readouterr().err
    assert [r["decision"] for r in cluster.audit()] == ["applied", "refused"]


def test_dry_run_sends_dry_run_all_and_keeps_the_approval(cluster: Cluster) -> None:
    assert cluster.approve("rollback", dry_run=True)[0] == 0
    assert cluster.approve("rollback")[0] == 0
    dry, real = cluster.writes
    assert dry.query == {"fieldManager": "incident-agent-approve", "dryRun": "All"}
    assert "dryRun" not in real.query and dry.body == real.body
    assert [r["decision"] for r in cluster.audit()] == ["dry_run", "applied"]


def test_manual_and_unknown_ids_are_usage_errors(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cluster.approve("by-hand")[0] == 2
    assert "manual step" in capsys.readouterr().err
    assert cluster.approve("nope")[0] == 2
    assert "no remediation 'nope'" in capsys.readouterr().err
    assert cluster.approve("scale", investigation_id="inv-unknown")[0] == 2
    err = capsys.readouterr().err
    assert "inv-unknown" in err and str(cluster.state / "reports") in err
    assert cluster.approve("scale", investigation_id="../etc")[0] == 2
    assert cluster.writes == []


def test_investigator_kubeconfig_refused(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = Settings(backends=BackendSettings(kubeconfig=f"/nonexistent:{cluster.kubeconfig}"))
    assert cluster.approve("scale", settings=shared)[0] == 2
    assert "separate credentials" in capsys.readouterr().err
    assert cluster.writes == []


def test_audit_chain_is_intact_and_tamper_evident(cluster: Cluster) -> None:
    cluster.approve("rollback", "no")
    cluster.approve("scale")
    log = AuditLog(cluster.state / "audit.jsonl")
    assert log.verify_chain() == []
    lines = log.path.read_text().splitlines()
    log.path.write_text("\n".join([lines[0].replace("alice", "mallory"), lines[1]]) + "\n")
    assert len(log.verify_chain()) == 1


def test_an_expired_proposal_is_refused_and_sends_nothing(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    code, prompts = cluster.approve("scale", clock=lambda: NOW + timedelta(minutes=61))
    assert code == 1 and prompts == [] and cluster.writes == []
    assert "the proposal expired at 2024-05-01T13:00:00+00:00" in capsys.readouterr().err
    assert cluster.audit()[-1]["decision"] == "refused"


def test_the_ttl_is_configurable_and_shown_in_the_prompt(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    longer = Settings(remediation=RemediationSettings(proposal_ttl=timedelta(hours=2)))
    code, _ = cluster.approve("scale", settings=longer, clock=lambda: NOW + timedelta(minutes=61))
    assert code == 0 and len(cluster.writes) == 1
    assert "This proposal expires at 2024-05-01T14:00:00+00:00 (in 59 min)" in (
        capsys.readouterr().out
    )


def test_expiry_is_checked_again_after_the_confirmation(cluster: Cluster) -> None:
    # The human left the prompt open past the expiry, then typed the confirmation.
    now = [NOW]

    def wait_two_hours() -> None:
        now[0] += timedelta(hours=2)

    code, prompts = cluster.approve("scale", clock=lambda: now[0], while_asked=wait_two_hours)
    assert code == 1 and len(prompts) == 1 and cluster.writes == []
