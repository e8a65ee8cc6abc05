"""A crash during the executor's PATCH: the intent is on record, the outcome is found, never re-sent."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from report_fakes import proposal, supported

from agent.errors import RemediationAborted
from agent.remediation import ApprovalRequest, AuditLog, Gate, JsonFileStore, PlannedAction
from agent.report.model import (
    AlertRef,
    Report,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class Crash(BaseException):
    """The process died (SIGKILL, OOM): nothing after it runs, no handler records anything."""


class MemoryCluster:
    """One Deployment held in memory; JSON patches change it as the API server would."""

    def __init__(self) -> None:
        self.deployment: dict[str, Any] = {
            "metadata": {
                "name": "payments",
                "namespace": "shop",
                "uid": "u1",
                "resourceVersion": "500",
                "annotations": {"deployment.kubernetes.io/revision": "2"},
            },
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "payments"}},
                     "template": {"metadata": {"labels": {"app": "payments"}}, "spec": {}}},
        }  # fmt: skip
        self.sent: list[PlannedAction] = []
        self.crash_after_landing = False
        self.crash_before_sending = False

    def read_deployment(self, namespace: str, name: str) -> dict[str, Any]:
        return copy.deepcopy(self.deployment)

    def list_replica_sets(
        self, namespace: str, match_labels: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        # Revision 1's template, the one a rollback restores.
        labels = {"app": "payments", "pod-template-hash": "6f7c8d9b4"}
        return [{"metadata": {"name": "payments-6f7c8d9b4", "labels": labels,
                              "annotations": {"deployment.kubernetes.io/revision": "1"},
                              "ownerReferences": [{"kind": "Deployment", "uid": "u1"}]},
                 "spec": {"template": {"metadata": {"labels": dict(labels)},
                                       "spec": {"containers": [{"name": "p", "image": "v1"}]}}}}]  # fmt: skip

    def apply(self, action: PlannedAction) -> dict[str, Any]:
        if self.crash_before_sending:
            raise Crash
        self.sent.append(action)
        for op in action.body:
            if op["op"] == "test":
                assert self.deployment["metadata"]["resourceVersion"] == op["value"]
            elif op["path"] == "/spec/replicas":
                self.deployment["spec"]["replicas"] = op["value"]
            elif op["path"] == "/spec/template":
                # The Deployment controller re-uses revision 1's ReplicaSet as revision 3.
                self.deployment["spec"]["template"] = copy.deepcopy(op["value"])
                self.deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = (
                    "3"
                )
        meta = self.deployment["metadata"]
        meta["resourceVersion"] = str(int(meta["resourceVersion"]) + 1)
        if self.crash_after_landing:
            raise Crash
        return self.read_deployment("shop", "payments")


def _report() -> Report:
    return Report(
        investigation_id="inv-1",
        alert=AlertRef(fingerprint="fp", name="PaymentsDown", labels={"namespace": "shop"}),
        status="complete",
        brain="scripted",
        hypotheses=[supported("payments")],
        remediations=[
            proposal("R1", "scale_deployment", params={"replicas": 6}),
            proposal("R2", "rollback_deployment", params={"to_revision": 1}, risk="medium"),
        ],
        started_at=NOW,
        finished_at=NOW,
    )


def _gate(state: Path, cluster: MemoryCluster) -> Gate:
    store = JsonFileStore(state)
    return Gate(store, AuditLog(store.audit_path), cluster, ask=lambda _: "shop/payments",
                say=lambda _: None, clock=lambda: NOW)  # fmt: skip


REQUEST = ApprovalRequest("inv-1", "R1", "alice")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    JsonFileStore(tmp_path).save(_report())
    return tmp_path


def _events(state: Path) -> list[tuple[str, Any]]:
    return [
        (r["event"], r.get("decision", r.get("landed")))
        for r in AuditLog(state / "audit.jsonl").records()
    ]


def test_the_intent_is_recorded_before_the_write_and_the_outcome_after(state: Path) -> None:
    cluster = MemoryCluster()
    _gate(state, cluster).approve(REQUEST)
    records = AuditLog(state / "audit.jsonl").records()
    assert [r["event"] for r in records] == ["remediation_intent", "remediation_approval"]
    intent = records[0]
    assert intent["expected_resource_version"] == "500"
    assert intent["request"]["body_sha256"] == cluster.sent[0].sha256()
    # Digests of the new values, not the values (a template can carry env values).
    assert [set(c) for c in intent["changes"]] == [{"path", "value_sha256"}]


def test_a_crash_after_the_write_landed_is_detected_recorded_once_and_never_reapplied(
    state: Path,
) -> None:
    cluster = MemoryCluster()
    cluster.crash_after_landing = True
    with pytest.raises(Crash):
        _gate(state, cluster).approve(REQUEST)
    assert _events(state) == [("remediation_intent", None)]  # the crash left no outcome

    cluster.crash_after_landing = False
    with pytest.raises(RemediationAborted, match=r"the write landed \(resourceVersion 501"):
        _gate(state, cluster).approve(REQUEST)  # the restarted process
    with pytest.raises(RemediationAborted, match="already approved by alice"):
        _gate(state, cluster).approve(REQUEST)
    assert len(cluster.sent) == 1 and cluster.deployment["spec"]["replicas"] == 6
    reconciled = [r for r in AuditLog(state / "audit.jsonl").records() if "landed" in r]
    assert len(reconciled) == 1
    assert reconciled[0]["landed"] is True and reconciled[0]["resource_version"] == "501"
    assert reconciled[0]["revision"] == 2
    assert AuditLog(state / "audit.jsonl").verify_chain() == []


def test_a_crash_before_the_write_reached_the_cluster_is_recorded_as_not_landed(
    state: Path,
) -> None:
    cluster = MemoryCluster()
    cluster.crash_before_sending = True
    with pytest.raises(Crash):
        _gate(state, cluster).approve(REQUEST)
    cluster.crash_before_sending = False
    with pytest.raises(RemediationAborted, match=r"unchanged \(resourceVersion 500\).*re-run"):
        _gate(state, cluster).approve(REQUEST)
    assert cluster.sent == [] and cluster.deployment["spec"]["replicas"] == 3
    assert ("remediation_reconciled", False) in _events(state)


def test_someone_elses_change_is_not_taken_for_ours(state: Path) -> None:
    cluster = MemoryCluster()
    cluster.crash_before_sending = True
    with pytest.raises(Crash):
        _gate(state, cluster).approve(REQUEST)
    cluster.crash_before_sending = False
    cluster.deployment["metadata"]["resourceVersion"] = "777"  # an unrelated edit
    with pytest.raises(RemediationAborted, match="someone else changed it"):
        _gate(state, cluster).approve(REQUEST)
    assert cluster.sent == []


def test_a_crash_after_a_rollback_landed_finds_the_new_revision_and_never_rolls_back_twice(
    state: Path,
) -> None:
    cluster = MemoryCluster()
    cluster.crash_after_landing = True
    rollback = ApprovalRequest("inv-1", "R2", "alice")
    with pytest.raises(Crash):
        _gate(state, cluster).approve(rollback)
    cluster.crash_after_landing = False
    with pytest.raises(RemediationAborted, match=r"revision 3\).*the change is in place"):
        _gate(state, cluster).approve(rollback)
    with pytest.raises(RemediationAborted, match="already approved"):
        _gate(state, cluster).approve(rollback)
    assert len(cluster.sent) == 1
    assert ("remediation_reconciled", True) in _events(state)
