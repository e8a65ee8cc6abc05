"""Approve or reject a proposed remediation over HTTP, through the same gate as ``agent approve``.

``StoreReports`` is the gate's ``ReportStore`` on the server's database: reports live in the
investigations table and each approval is a row that can be inserted once (single use). The
HTTP request stands in for the terminal: its ``confirm`` field must be the target's
``namespace/name``, exactly as a human would type it. The approver's identity comes from their
bearer token, never from the request body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from agent.errors import ConfigError, RemediationAborted
from agent.remediation import ApprovalRecord, ApprovalRequest, AuditLog, Executor, Gate
from agent.remediation.store import used_approval
from agent.report.model import Report

from .store import Store, rate_limits
from .store.database import Tx
from .store.rate_limits import RateLimit

ExecutorFactory = Callable[[], AbstractContextManager[Executor]]


class ApiError(Exception):
    """An HTTP error answer with its status (and headers, such as ``Retry-After``)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers


class StoreReports:
    """The gate's ``ReportStore`` backed by the server's shared store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, report: Report) -> None:
        """Replace the stored report of its investigation."""
        self._store.replace_report(report)

    def load(self, investigation_id: str) -> Report:
        """The stored report.

        Raises:
            ConfigError: unknown investigation, or it has no report yet.
        """
        row = self._store.get(investigation_id)
        if row is None or row.report is None:
            raise ConfigError(f"investigation {investigation_id!r} has no report")
        return row.report

    def decision(self, investigation_id: str, remediation_id: str) -> dict[str, Any] | None:
        """The recorded approval or rejection of a remediation, if any."""
        return self._store.decision(investigation_id, remediation_id)

    def approval(self, investigation_id: str, remediation_id: str) -> ApprovalRecord | None:
        """The recorded use of this approval, if it was used."""
        found = self.decision(investigation_id, remediation_id)
        if found is None or found["decision"] != "approved":
            return None
        return ApprovalRecord(
            investigation_id=investigation_id,
            remediation_id=remediation_id,
            approver=found["approver"],
            approved_at=datetime.fromisoformat(found["at"]),
            action_sha256=found["sha256"],
        )

    def claim(self, record: ApprovalRecord) -> None:
        """Record the approval exactly once, whichever replica is asked.

        Raises:
            RemediationAborted: it was already approved or rejected.
        """
        self._insert(
            record.investigation_id, record.remediation_id, "approved", record.approver,
            record.approved_at, record.action_sha256,
        )  # fmt: skip

    def reject(
        self, investigation_id: str, remediation_id: str, approver: str, at: datetime
    ) -> None:
        """Record a rejection; the remediation can then never be approved."""
        self._insert(investigation_id, remediation_id, "rejected", approver, at, None)

    def _insert(
        self, inv: str, rid: str, decision: str, approver: str, at: datetime, sha: str | None
    ) -> None:
        if self._store.decide(inv, rid, decision, approver, at, sha):
            return
        previous = self.decision(inv, rid)
        if previous is not None and previous["decision"] == "rejected":
            raise _rejected(rid, previous)
        raise used_approval(self.approval(inv, rid))


def _rejected(remediation_id: str, previous: dict[str, Any]) -> RemediationAborted:
    return RemediationAborted(
        f"remediation {remediation_id} was rejected by {previous['approver']} at "
        f"{previous['at']}; re-run the investigation for a new proposal"
    )


def _no_prompt(text: str) -> str:
    raise AssertionError("a preview never asks for a confirmation")


def _no_output(text: str) -> None:
    raise AssertionError("a preview never says anything")


class Approvals:
    """The approve and reject endpoints' logic.

    Proposals expire ``proposal_ttl`` (``remediation.proposal_ttl``) after their investigation
    finished, as with ``agent approve``.
    """

    def __init__(
        self,
        store: Store,
        audit_path: Path,
        executor_factory: ExecutorFactory | None,
        clock: Callable[[], datetime],
        *,
        proposal_ttl: timedelta,
        approvals: RateLimit | None = None,
    ) -> None:
        self._approvals = approvals
        self._proposal_ttl = proposal_ttl
        self._store = store
        self._reports = StoreReports(store)
        self._audit = AuditLog(audit_path)
        self._executor_factory = executor_factory
        self._clock = clock

    def approve(
        self, investigation_id: str, remediation_id: str, approver: str, confirm: str, dry_run: bool
    ) -> dict[str, Any]:
        """Carry out a remediation through the gate; same checks as ``agent approve``.

        Approvals are carried out one at a time across replicas (a lock in the database), so
        the server-wide approval limit is checked and used up atomically (two approvals at the
        limit cannot both pass).

        Raises:
            ApiError: unknown ids (404), refused (409), over the approval rate limit (429),
                not configured or a manual step (400/503).
        """
        with self._store.db.hold("approvals"):
            return self._approve(investigation_id, remediation_id, approver, confirm, dry_run)

    def _approve(
        self, investigation_id: str, remediation_id: str, approver: str, confirm: str, dry_run: bool
    ) -> dict[str, Any]:
        report = self._report(investigation_id)
        said: list[str] = []
        request = ApprovalRequest(investigation_id, remediation_id, approver, dry_run)
        limits = lambda: self._check_rate_limits(investigation_id, remediation_id, dry_run)  # noqa: E731
        with self._gate(
            report, remediation_id, lambda prompt: confirm, said.append, limits
        ) as gate:
            outcome = gate.approve(request)
        self._store.audit("remediation_approved", investigation_id=investigation_id,
                          remediation_id=remediation_id, approver=approver, decision=outcome.decision)  # fmt: skip
        self._settle(report)
        return {
            "decision": outcome.decision,
            "approver": approver,
            "request": {"method": outcome.action.method, "path": outcome.action.path},
            "shown": said,
        }

    @contextmanager
    def _gate(
        self,
        report: Report,
        remediation_id: str,
        ask: Callable[[str], str],
        say: Callable[[str], None],
        limits: Callable[[], None] | None = None,
    ) -> Iterator[Gate]:
        # The gate on a fresh executor; its errors become the API's answers. ``limits`` (the
        # approval rate limits) runs after the rejection check, before the executor opens.
        previous = self._reports.decision(report.investigation_id, remediation_id)
        if previous is not None and previous["decision"] == "rejected":
            raise ApiError(409, str(_rejected(remediation_id, previous)))
        if limits is not None:
            limits()
        if self._executor_factory is None:
            raise ApiError(
                503, "no executor configured: set server.executor_kubeconfig (write credentials)"
            )
        try:
            with self._executor_factory() as executor:
                yield Gate(
                    self._reports, self._audit, executor, ask, say, self._clock,
                    proposal_ttl=self._proposal_ttl,
                )  # fmt: skip
        except ConfigError as error:
            status = 404 if report.remediation(remediation_id) is None else 400
            raise ApiError(status, str(error)) from None
        except RemediationAborted as error:
            raise ApiError(409, str(error)) from None

    def decisions(self, report: Report | None) -> dict[str, dict[str, Any] | None]:
        """Each proposal's recorded approval or rejection (``None`` while undecided)."""
        if report is None:
            return {}
        return {
            r.id: self._reports.decision(report.investigation_id, r.id) for r in report.remediations
        }

    def preview(self, investigation_id: str, remediation_id: str, approver: str) -> dict[str, Any]:
        """The exact request an approval would send now, and what to type; nothing is sent.

        Raises:
            ApiError: as ``approve``; a decided remediation is 409.
        """
        report = self._report(investigation_id)
        request = ApprovalRequest(investigation_id, remediation_id, approver)
        with self._gate(report, remediation_id, _no_prompt, _no_output) as gate:
            action = gate.preview(request)
        remediation = report.remediation(remediation_id)
        assert remediation is not None  # the gate found it
        target = remediation.target
        return {"request": action.show(), "confirm": f"{target.namespace}/{target.name}"}

    def reject(
        self, investigation_id: str, remediation_id: str, approver: str, reason: str
    ) -> dict[str, Any]:
        """Record that ``approver`` rejected a remediation.

        Raises:
            ApiError: unknown ids (404) or already decided (409).
        """
        report = self._report(investigation_id)
        if report.remediation(remediation_id) is None:
            known = ", ".join(r.id for r in report.remediations) or "none"
            raise ApiError(404, f"investigation {investigation_id} has no remediation "
                                f"{remediation_id!r} (proposed: {known})")  # fmt: skip
        try:
            self._reports.reject(investigation_id, remediation_id, approver, self._clock())
        except RemediationAborted as error:
            raise ApiError(409, str(error)) from None
        self._audit.append(
            {
                "time": self._clock().isoformat(),
                "event": "remediation_rejection",
                "investigation_id": investigation_id,
                "remediation_id": remediation_id,
                "approver": approver,
                "reason": reason,
                "decision": "rejected",
            }
        )
        self._store.audit("remediation_rejected", investigation_id=investigation_id,
                          remediation_id=remediation_id, approver=approver, reason=reason)  # fmt: skip
        self._settle(report)
        return {"decision": "rejected", "approver": approver}

    def _report(self, investigation_id: str) -> Report:
        row = self._store.get(investigation_id)
        if row is None:
            raise ApiError(404, f"no investigation {investigation_id!r}")
        if row.report is None:
            raise ApiError(409, f"investigation {investigation_id} is {row.status}; no report yet")
        return row.report

    def _check_rate_limits(self, investigation_id: str, remediation_id: str, dry_run: bool) -> None:
        now = self._clock().timestamp()

        def check(tx: Tx) -> tuple[bool, tuple[str, float] | None]:
            held = rate_limits.withheld(tx, investigation_id, remediation_id)
            busy = None if dry_run else rate_limits.approvals_exceeded(tx, self._approvals, now)
            return held, busy

        withheld, busy = self._store.db.read(check)
        if withheld:
            raise ApiError(
                409,
                f"remediation {remediation_id} was {rate_limits.WITHHELD}; re-run the "
                "investigation to propose it again",
            )
        if busy is not None:
            message, retry = busy
            raise ApiError(429, message, {"Retry-After": f"{retry:.0f}"})

    def _settle(self, report: Report) -> None:
        # Done once every executable proposal has an approval or a rejection.
        pending = [
            r.id
            for r in report.remediations
            if r.action != "manual"
            and self._reports.decision(report.investigation_id, r.id) is None
        ]
        if not pending:
            self._store.set_status(report.investigation_id, "done")
