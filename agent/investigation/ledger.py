"""The hypothesis ledger: tools that need no backend, and the final ``submit_report``.

Brains propose hypotheses, test them with tools, and support or refute them with evidence
quoted from tool outputs. Every quote is checked against the (redacted) output of the call it
cites; an unverified quote lowers that hypothesis's confidence.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.bundle.model import Category
from agent.report.model import ACTION_PARAMS
from tools.schema import model_schema

from .state import EvidenceItem, HypothesisEntry, HypothesisStatus, InvestigationState

PROPOSE = "propose_hypothesis"
UPDATE = "update_hypothesis"
SUBMIT = "submit_report"
LEDGER_TOOLS = frozenset({PROPOSE, UPDATE, SUBMIT})

# Each unverified quote costs this share of the stated confidence.
_UNVERIFIED_PENALTY = 0.5

# What each category means: the line between deployment, configuration and code is exactly
# what a reader (and the evals) judge, so the model is told it, not left to guess.
CATEGORY_MEANINGS = (
    "deployment: a rollout (new image, revision or spec) introduced the failure; undone by a "
    "rollback. configuration: a changed or wrong setting (ConfigMap, env, flag, limit, "
    "connection string) without new code. code: a defect in code already running (a latent "
    "bug triggered by input, data, time or load), not introduced by the latest rollout. "
    "resource: the component exhausted its own limits (OOMKilled, CPU throttling, disk, file "
    "handles, connection pool). dependency: a service or datastore it calls failed or slowed. "
    "network: DNS, packet loss, latency or partition between components. capacity: demand "
    "beyond what the provisioned replicas can serve. infrastructure: the node, disk, kernel or "
    "cluster underneath failed."
)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProposeHypothesis(_Input):
    """Record a candidate root cause to test. Propose before you test; keep statements testable.

    Returns the hypothesis id (H1, H2, ...) to use with update_hypothesis.
    """

    statement: str = Field(min_length=5, max_length=600, description="What you think happened.")
    component: str = Field(
        min_length=1,
        max_length=120,
        description="The workload or infrastructure element at fault (Deployment, StatefulSet, "
        "database, node) — never a pod name.",
    )
    category: Category = Field(description="Kind of cause. " + CATEGORY_MEANINGS)
    rationale: str = Field(default="", max_length=1000, description="Why it is plausible.")


class EvidenceQuote(_Input):
    """A verbatim quote from the output of an earlier tool call."""

    tool_call_id: str = Field(
        description="The reference of the result you quote (R7, as it starts the result) or "
        "its tool call id."
    )
    quote: str = Field(min_length=3, max_length=400, description="Exact text from that output.")


class UpdateHypothesis(_Input):
    """Support or refute a hypothesis with evidence quoted verbatim from tool outputs.

    Quotes are checked against the cited call's output; unverifiable quotes lower confidence.
    """

    id: str = Field(pattern=r"^H\d+$", description="Hypothesis id from propose_hypothesis.")
    status: HypothesisStatus
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[EvidenceQuote] = Field(default_factory=list, max_length=10)


class TimelineItem(_Input):
    """One dated event of the incident."""

    time: datetime
    event: str = Field(min_length=1, max_length=300)
    source: str = Field(
        default="", max_length=120, description="Result reference (R7) or data source."
    )


class Target(_Input):
    """What a remediation acts on."""

    kind: Literal["Deployment"] = "Deployment"
    namespace: str
    name: str


class ProposedRemediation(_Input):
    """A remediation proposal; it runs only after a human approves it."""

    action: Literal["rollback_deployment", "scale_deployment", "restart_deployment", "manual"]
    target: Target
    params: dict[str, int | str] = Field(default_factory=dict)
    rationale: str = Field(min_length=1, max_length=600)
    risk: Literal["low", "medium", "high"] = "medium"


class StatusPageDraft(_Input):
    """Customer-facing text: no internal names (services, pods, hosts, IPs)."""

    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=1200)
    status: Literal["investigating", "identified", "monitoring", "resolved"] | None = None


class SeverityDraft(_Input):
    """Your severity assessment, if the evidence says more than the alert's label."""

    level: Literal["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    reason: str = Field(min_length=1, max_length=400, description="Traffic share, SLO, scope.")


class NextStepDraft(_Input):
    """A next step for the on-call engineer: read-only commands and queries only."""

    action: str = Field(min_length=1, max_length=200)
    kind: Literal["kubectl", "promql", "logql", "traceql", "url"]
    command: str = Field(
        min_length=1,
        max_length=600,
        description="kubectl get/describe/logs/top/rollout history/events, or a query, or a URL.",
    )
    expected: str = Field(min_length=1, max_length=300, description="What confirms the cause.")


class SubmitReport(_Input):
    """Finish the investigation with your conclusion; call it once.

    Call it when one hypothesis is well supported or when you must stop; say what data was
    missing rather than guess.
    """

    root_cause_hypothesis: str | None = Field(
        default=None, pattern=r"^H\d+$", description="The ledger id of the root cause, if any."
    )
    summary: str = Field(min_length=1, max_length=1500, description="The root cause in prose.")
    confidence: float = Field(ge=0.0, le=1.0)
    timeline: list[TimelineItem] = Field(default_factory=list, max_length=40)
    remediations: list[ProposedRemediation] = Field(default_factory=list, max_length=5)
    status_page: StatusPageDraft | None = None
    data_gaps: list[str] = Field(default_factory=list, max_length=20)
    # Optional triage: what is omitted is derived from the alert, the evidence and the catalogue.
    severity: SeverityDraft | None = None
    affected_services: list[str] = Field(default_factory=list, max_length=20)
    next_steps: list[NextStepDraft] = Field(default_factory=list, max_length=10)
    data_needed: list[str] = Field(default_factory=list, max_length=10)


LEDGER_MODELS: dict[str, type[_Input]] = {
    PROPOSE: ProposeHypothesis,
    UPDATE: UpdateHypothesis,
    SUBMIT: SubmitReport,
}


def ledger_schemas() -> list[dict[str, Any]]:
    """Model-facing definitions of the ledger tools."""
    schemas: list[dict[str, Any]] = [
        {
            "name": name,
            "description": " ".join((model.__doc__ or "").split()),
            "input_schema": model_schema(model),
        }
        for name, model in LEDGER_MODELS.items()
    ]
    remediation = schemas[-1]["input_schema"]["properties"]["remediations"]["items"]
    # Name each action's parameters instead of a free-form map (and let a strict schema,
    # which allows no free-form maps, express them).
    remediation["properties"]["params"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            name: {"type": "integer", "minimum": 1}
            for kinds in ACTION_PARAMS.values()
            for name in kinds
        },
        "description": "; ".join(
            f"{action}: {', '.join(kinds) or 'none'}" for action, kinds in ACTION_PARAMS.items()
        ),
    }
    return schemas


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def verify_quote(state: InvestigationState, quote: EvidenceQuote) -> EvidenceItem:
    """Check a quote against the redacted output of the call it cites."""
    record = state.call(quote.tool_call_id)
    verified = record is not None and _normalise(quote.quote) in _normalise(record.output)
    return EvidenceItem(
        # A cited reference (R7) is stored as the call's own id, which the report links to.
        tool_call_id=record.id if record else quote.tool_call_id,
        quote=quote.quote,
        tool=record.name if record else "",
        query=record.request if record else "",
        verified=verified,
    )


def apply_ledger_call(state: InvestigationState, name: str, arguments: dict[str, Any]) -> str:
    """Apply ``propose_hypothesis`` or ``update_hypothesis``; returns the text for the brain.

    Raises:
        ValueError: the arguments are invalid or name an unknown hypothesis (correctable).
    """
    try:
        if name == PROPOSE:
            proposal = ProposeHypothesis.model_validate(arguments)
            entry = HypothesisEntry(id=f"H{len(state.hypotheses) + 1}", **proposal.model_dump())
            state.hypotheses.append(entry)
            return f"recorded {entry.id}: {entry.statement}"
        update = UpdateHypothesis.model_validate(arguments)
    except ValidationError as exc:
        raise ValueError(_validation_message(exc)) from exc
    entry_or_none = state.hypothesis(update.id)
    if entry_or_none is None:
        known = ", ".join(h.id for h in state.hypotheses) or "none yet"
        raise ValueError(f"unknown hypothesis {update.id}; known: {known}")
    entry = entry_or_none
    items = [verify_quote(state, q) for q in update.evidence]
    entry.evidence.extend(items)
    unverified = [i for i in items if not i.verified]
    entry.status = update.status
    entry.confidence = round(update.confidence * (1 - _UNVERIFIED_PENALTY) ** len(unverified), 3)
    message = f"{entry.id} is now {entry.status} (confidence {entry.confidence})"
    if unverified:
        cited = ", ".join(f"{i.tool_call_id}: {i.quote[:60]!r}" for i in unverified)
        message += f"; NOT found in the cited outputs, confidence lowered: {cited}"
    return message


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        parts.append(f"{field}: {err['msg']}")
    return "invalid arguments: " + "; ".join(parts)


def parse_submission(arguments: dict[str, Any]) -> SubmitReport:
    """Validate ``submit_report`` arguments.

    Raises:
        ValueError: with a message naming each bad field (correctable).
    """
    try:
        return SubmitReport.model_validate(arguments)
    except ValidationError as exc:
        raise ValueError(_validation_message(exc)) from exc
