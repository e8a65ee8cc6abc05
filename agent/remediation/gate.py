"""The confirmation gate: the only path from a proposal to a change in the cluster.

``approve`` loads the stored report, refuses anything out of scope, already used or changed
since the proposal, shows the exact request, and sends it only after the human types the
target's ``namespace/name``. Every outcome — applied, dry run, refused, aborted, failed — is
appended to the audit log with who asked and when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from agent.errors import AgentError, ConfigError, RemediationAborted
from agent.remediation.action import PlannedAction, build_action
from agent.remediation.audit import AuditLog
from agent.remediation.executor import Executor
from agent.remediation.policy import check_precondition, check_scope
from agent.remediation.store import ApprovalRecord, ReportStore, used_approval
from agent.report.model import Remediation, Report

Decision = Literal["applied", "dry_run", "refused", "aborted", "failed"]


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """What the human asked for."""

    investigation_id: str
    remediation_id: str
    approver: str
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the gate did."""

    decision: Decision
    action: PlannedAction
    response: dict[str, Any]


@dataclass(slots=True)
class Gate:
    """The collaborators of one approval: store, audit log, executor, terminal and clock."""

    store: ReportStore
    audit: AuditLog
    executor: Executor
    ask: Callable[[str], str]
    say: Callable[[str], None]
    clock: Callable[[], datetime]

    def approve(self, request: ApprovalRequest) -> Outcome:
        """Carry out one approved remediation, or refuse.

        Raises:
            ConfigError: unknown investigation or remediation, or a manual step (exit 2).
            RemediationAborted: refused, not confirmed, or rejected by the cluster (exit 1).
        """
        remediation: Remediation | None = None
        action: PlannedAction | None = None
        stage: Decision = "refused"
        try:
            report = self.store.load(request.investigation_id)
            remediation = _find(report, request.remediation_id)
            action = self._plan(report, remediation, request)
            stage = "aborted"
            self._confirm(remediation, action)
            stage = "refused"  # a concurrent approve may have used the approval meanwhile
            if not request.dry_run:
                self.store.claim(
                    ApprovalRecord(
                        investigation_id=request.investigation_id,
                        remediation_id=remediation.id,
                        approver=request.approver,
                        approved_at=self.clock(),
                        action_sha256=action.sha256(),
                    )
                )
            stage = "failed"
            response = self.executor.apply(action)
        except AgentError as error:
            self._record(request, remediation, action, stage, str(error))
            raise
        decision: Decision = "dry_run" if request.dry_run else "applied"
        self._record(request, remediation, action, decision, None)
        return Outcome(decision, action, response)

    def _plan(
        self, report: Report, remediation: Remediation, request: ApprovalRequest
    ) -> PlannedAction:
        if remediation.action == "manual":
            raise ConfigError(
                f"remediation {remediation.id} is a manual step; the agent cannot execute it. "
                f"Carry it out by hand: {remediation.rationale}"
            )
        check_scope(report, remediation)
        if not request.dry_run:
            previous = self.store.approval(report.investigation_id, remediation.id)
            if previous is not None:
                raise used_approval(previous)
        target = remediation.target
        deployment = self.executor.read_deployment(target.namespace, target.name)
        check_precondition(remediation, deployment)
        replica_sets: list[dict[str, Any]] = []
        if remediation.action == "rollback_deployment":
            labels = deployment["spec"].get("selector", {}).get("matchLabels") or {}
            replica_sets = self.executor.list_replica_sets(target.namespace, labels)
        return build_action(
            remediation, deployment, replica_sets, self.clock(), dry_run=request.dry_run
        )

    def _confirm(self, remediation: Remediation, action: PlannedAction) -> None:
        expected = f"{remediation.target.namespace}/{remediation.target.name}"
        mode = "DRY RUN (dryRun=All, nothing persisted)" if "dryRun" in action.query else "LIVE"
        self.say(f"{mode} — the executor will send exactly this request:\n{action.show()}")
        try:
            typed = self.ask(f"Type {expected} to confirm, anything else aborts: ")
        except EOFError:
            raise RemediationAborted("no confirmation was typed; nothing was sent") from None
        if typed.strip() != expected:
            raise RemediationAborted(
                f"confirmation {typed.strip()!r} does not match {expected!r}; nothing was sent"
            )

    def _record(
        self,
        request: ApprovalRequest,
        remediation: Remediation | None,
        action: PlannedAction | None,
        decision: Decision,
        reason: str | None,
    ) -> None:
        self.audit.append(
            {
                "time": self.clock().isoformat(),
                "event": "remediation_approval",
                "investigation_id": request.investigation_id,
                "remediation_id": request.remediation_id,
                "approver": request.approver,
                "dry_run": request.dry_run,
                "action": remediation.action if remediation else None,
                "target": remediation.target.model_dump() if remediation else None,
                "request": None
                if action is None
                else {
                    "method": action.method,
                    "path": action.path,
                    "query": action.query,
                    "body_sha256": action.sha256(),
                },
                "decision": decision,
                "reason": reason,
            }
        )


def _find(report: Report, remediation_id: str) -> Remediation:
    remediation = report.remediation(remediation_id)
    if remediation is None:
        known = ", ".join(r.id for r in report.remediations) or "none"
        raise ConfigError(
            f"investigation {report.investigation_id} has no remediation {remediation_id!r} "
            f"(proposed: {known})"
        )
    return remediation
