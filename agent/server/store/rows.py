"""What the store hands out: investigation rows, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agent.alerts.model import Alert
from agent.investigation.state import InvestigationState
from agent.report.model import Report

from .database import Row

Status = Literal["queued", "running", "awaiting_approval", "done", "failed"]
STATUSES: tuple[Status, ...] = ("queued", "running", "awaiting_approval", "done", "failed")


@dataclass(frozen=True, slots=True)
class InvestigationRow:
    """One stored investigation, as the API and the workers see it."""

    id: str
    fingerprint: str
    starts_at: str
    status: Status
    step: int
    created_at: float
    updated_at: float
    alert: Alert
    state: InvestigationState | None
    report: Report | None
    error: str | None
    stop_reason: str | None
    follows: str | None = None  # the investigation of the group's previous episode
    replica: str | None = None  # the lease holder while it runs
    attempts: int = 0  # how many times a replica claimed it

    def summary(self) -> dict[str, Any]:
        """The JSON the list endpoint returns for this investigation."""
        return {
            "id": self.id,
            "alert": self.fingerprint,
            "alertname": self.alert.name,
            "status": self.status,
            "step": self.step,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "report_status": self.report.status if self.report else None,
            "error": self.error,
            "stop_reason": self.stop_reason,
            "follows": self.follows,
            "replica": self.replica,
            "attempts": self.attempts,
        }


COLUMNS = (
    "id, fingerprint, starts_at, status, step, created_at, updated_at, alert_json, state_json, "
    "report_json, error, stop_reason, follows, lease_owner, attempts"
)


def parse_row(r: Row) -> InvestigationRow:
    """An ``InvestigationRow`` from the ``COLUMNS`` of one row."""
    return InvestigationRow(
        id=r[0],
        fingerprint=r[1],
        starts_at=r[2],
        status=r[3],
        step=int(r[4]),
        created_at=float(r[5]),
        updated_at=float(r[6]),
        alert=Alert.model_validate_json(r[7]),
        state=InvestigationState.model_validate_json(r[8]) if r[8] else None,
        report=Report.model_validate_json(r[9]) if r[9] else None,
        error=r[10],
        stop_reason=r[11],
        follows=r[12],
        replica=r[13] if r[3] == "running" else None,
        attempts=int(r[14] or 0),
    )
