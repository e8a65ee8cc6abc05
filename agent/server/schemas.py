"""The shapes of the HTTP API: request bodies and answers, as pydantic models.

They generate ``/openapi.json`` and validate what the routes hand back. The webhook bodies are
not here: they are read raw (signatures cover the exact bytes) and parsed by ``payloads``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.report.model import Report

from .at_rest import redact_text
from .store import InvestigationRow, Status


class ErrorBody(BaseModel):
    """Every error answer: one message naming what was wrong."""

    error: str = Field(description="What was wrong, in words.")


class Health(BaseModel):
    """The liveness answer."""

    status: Literal["ok"]


class WebhookAccepted(BaseModel):
    """A webhook delivery that was stored (committed before this answer was sent)."""

    status: Literal["stored"]
    alerts: int = Field(description="Alerts in the delivery.")
    outcomes: dict[str, int] = Field(
        description="Alerts by outcome: created, duplicate, cooldown, queue_full, resolved."
    )
    investigations: list[str] = Field(description="Investigations started or stopped.")
    ignored: list[str] = Field(description="Event types deliberately not acted on.")
    replayed_event: bool = Field(description="The sender's event id was seen before.")


class InvestigationSummary(BaseModel):
    """One investigation as the list endpoint shows it."""

    id: str
    alert: str = Field(description="The alert's fingerprint.")
    alertname: str
    status: Status
    step: int = Field(description="Completed steps.")
    created_at: float = Field(description="Unix time.")
    updated_at: float = Field(description="Unix time.")
    report_status: str | None
    error: str | None
    stop_reason: str | None
    follows: str | None = Field(
        None, description="The investigation of the same alert group's previous episode."
    )
    replica: str | None = Field(
        None, description="The replica holding the investigation's lease while it runs."
    )
    attempts: int = Field(0, description="How many times a replica claimed it (>1: taken over).")

    @classmethod
    def of(cls, row: InvestigationRow) -> InvestigationSummary:
        """The summary of a stored investigation."""
        return cls.model_validate(served(row))


def served(row: InvestigationRow) -> dict[str, Any]:
    """A row's summary as served: its error redacted again (rows of older versions)."""
    summary = row.summary()
    if summary["error"]:
        summary["error"] = redact_text(summary["error"])
    return summary


class DeliveryRecord(BaseModel):
    """One delivery of the report to a notification sink."""

    sink: str
    status: Literal["pending", "delivered", "failed", "superseded"]
    outcome: Literal["posted", "updated", "skipped"] | None = Field(
        description="What the sink did, once delivered."
    )
    remote_id: str | None = Field(description="The sink's id: Slack channel/ts, issue number …")
    url: str | None
    attempts: int
    last_error: str | None
    created_at: float = Field(description="Unix time.")
    delivered_at: float | None = Field(description="Unix time.")
    next_attempt: float = Field(description="Unix time of the next try, while pending.")


class InvestigationDetail(InvestigationSummary):
    """One investigation with its report (``null`` until it has one) and its deliveries."""

    report: Report | None
    deliveries: list[DeliveryRecord] = Field(default_factory=list)


class InvestigationList(BaseModel):
    """Investigations, newest first."""

    investigations: list[InvestigationSummary]


class _Decision(BaseModel):
    # Unknown fields are refused: a misspelt "dry_run" must not turn into a real change.
    model_config = ConfigDict(extra="forbid", strict=True)


class ApproveBody(_Decision):
    """Approve one proposed remediation; the approver is the owner of the bearer token."""

    confirm: str = Field(
        description="The target's `namespace/name`, exactly as a human would type it to confirm."
    )
    dry_run: bool = Field(False, description="Check and show the request without sending it.")


class RejectBody(_Decision):
    """Reject one proposed remediation; it can then never be approved."""

    reason: str = Field("", description="Why, for the audit log.")


class SentRequest(BaseModel):
    """The Kubernetes API request the gate made (or would make, on a dry run)."""

    method: str
    path: str


class ApproveAnswer(BaseModel):
    """What the gate did with an approval."""

    decision: str = Field(description="`applied`, or `dry_run` when nothing was sent.")
    approver: str
    request: SentRequest
    shown: list[str] = Field(description="What the gate showed the approver, line by line.")


class RejectAnswer(BaseModel):
    """A recorded rejection."""

    decision: Literal["rejected"]
    approver: str
