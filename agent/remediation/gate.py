"""The confirmation gate: the only path from a proposal to a change in the cluster.

``approve`` loads the stored report, refuses anything out of scope, expired, already used or
changed since the proposal, shows the exact request and when the proposal expires, and sends
it only after the human types the target's ``namespace/name``. Every outcome — applied, dry
run, refused, aborted, failed — is appended to the audit log with who asked and when, and an
intent is appended just before the write (``agent.remediation.journal``): an approval whose
write was interrupted is reconciled against the live Deployment, never sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from agent.errors import AgentError, ConfigError, RemediationAborted
from agent.remediation.action import PlannedAction, build_action
from agent.remediation.audit import AuditLog
from agent.remediation.executor import ClusterWriter
from agent.remediation.journal import RECONCILED, intent_record, landing, unfinished
from agent.remediation.policy import check_precondition, check_scope
from agent.remediation.store import ApprovalRecord, ReportStore, used_approval
from agent.report.model import Remediation, Report

Decision = Literal["applied", "dry_run", "refused", "aborted", "failed"]

# How long a proposal stays approvable after its investigation finished: the evidence behind
# it ages, and the cluster moves on (configurable as ``remediation.proposal_ttl``).
DEFAULT_PROPOSAL_TTL = timedelta(hours=1)


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
    executor: ClusterWriter
    ask: Callable[[str], str]
    say: Callable[[str], None]
    clock: Callable[[], datetime]
    proposal_ttl: timedelta = DEFAULT_PROPOSAL_TTL

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
            self._confirm(report, remediation, action)
            stage = "refused"  # a concurrent approve may have used the approval meanwhile
            self._check_expiry(report, remediation)  # the prompt may have waited for hours
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
                self.audit.append(
                    intent_record(
                        request.investigation_id,
                        remediation.id,
                        request.approver,
                        action,
                        self.clock().isoformat(),
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

    def preview(self, request: ApprovalRequest) -> PlannedAction:
        """The exact request ``approve`` would send now, after the same checks; sends nothing.

        Only reads the live Deployment (and its ReplicaSets for a rollback) and records no
        decision; like ``approve``, it settles (once) an earlier approval that crashed mid-write.

        Raises:
            ConfigError: unknown investigation or remediation, or a manual step.
            RemediationAborted: out of scope, already used, or the target changed.
        """
        report = self.store.load(request.investigation_id)
        return self._plan(report, _find(report, request.remediation_id), request)

    def _plan(
        self, report: Report, remediation: Remediation, request: ApprovalRequest
    ) -> PlannedAction:
        if remediation.action == "manual":
            raise ConfigError(
                f"remediation {remediation.id} is a manual step; the agent cannot execute it. "
                f"Carry it out by hand: {remediation.rationale}"
            )
        if not request.dry_run:
            previous = self.store.approval(report.investigation_id, remediation.id)
            if previous is not None:
                self._reconcile(request, remediation)
                raise used_approval(previous)
        check_scope(report, remediation)
        self._check_expiry(report, remediation)
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

    def _expiry(self, report: Report) -> datetime:
        return report.finished_at + self.proposal_ttl

    def _check_expiry(self, report: Report, remediation: Remediation) -> None:
        expires = self._expiry(report)
        if self.clock() >= expires:
            raise RemediationAborted(
                f"refusing {remediation.id}: the proposal expired at {expires.isoformat()} "
                f"({self.proposal_ttl} after the investigation finished); re-run the "
                "investigation for a proposal based on current evidence"
            )

    def _reconcile(self, request: ApprovalRequest, remediation: Remediation) -> None:
        """Settle a claimed approval whose outcome was never recorded (a crash mid-write).

        Records once whether the write landed, then refuses: nothing is ever sent twice.

        Raises:
            RemediationAborted: the approval's write was unfinished (now recorded).
        """
        work = unfinished(self.audit, request.investigation_id, remediation.id)
        if work is None:
            return
        target = remediation.target
        found = landing(work, self.executor.read_deployment(target.namespace, target.name))
        self.audit.append(
            {
                "time": self.clock().isoformat(),
                "event": RECONCILED,
                "investigation_id": request.investigation_id,
                "remediation_id": remediation.id,
                "approver": request.approver,
                "landed": found.landed,
                "resource_version": found.resource_version,
                "revision": found.revision,
                "reason": found.reason,
            }
        )
        raise RemediationAborted(
            f"{remediation.id} was approved before but its outcome was never recorded (the "
            f"previous run stopped mid-write): {found.reason}. Recorded; nothing was sent — "
            + ("the change is in place." if found.landed else "re-run the investigation.")
        )

    def _confirm(self, report: Report, remediation: Remediation, action: PlannedAction) -> None:
        expected = f"{remediation.target.namespace}/{remediation.target.name}"
        mode = "DRY RUN (dryRun=All, nothing persisted)" if "dryRun" in action.query else "LIVE"
        left = max(0, int((self._expiry(report) - self.clock()).total_seconds() // 60))
        self.say(
            f"{mode} — the executor will send exactly this request:\n{action.show()}\n"
            f"This proposal expires at {self._expiry(report).isoformat()} (in {left} min)."
        )
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
