"""The investigation report: the one contract between the loop, the renderers and the gate.

The loop builds a ``Report`` from its ledger; renderers turn it into text, Markdown or JSON; the
confirmation gate (``agent.remediation``) reads its structured ``remediations``. Every field is
plain data so a report round-trips through JSON unchanged. The JSON schema is published in
``report.schema.json`` next to this module (``write_schema``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from agent.bundle.model import Category
from agent.k8s_names import looks_like_pod_name

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


class _Model(BaseModel):
    # Unknown fields are mistakes (or a model inventing structure): refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertRef(_Model):
    """The alert the investigation started from."""

    fingerprint: str
    name: str
    labels: dict[str, str] = Field(default_factory=dict)


class RootCause(_Model):
    """The concluded root cause, attributed to a workload or infrastructure component."""

    component: str = Field(min_length=1)
    category: Category
    summary: str
    confidence: float = Field(ge=0.0, le=1.0)

    @field_validator("component")
    @classmethod
    def _not_a_pod(cls, value: str) -> str:
        # Pods are symptoms; the cause is the workload that owns them (or the infrastructure).
        if looks_like_pod_name(value):
            raise ValueError(
                f"component {value!r} looks like a pod name; name its workload "
                "(Deployment, StatefulSet …) or the infrastructure component instead"
            )
        return value


class Evidence(_Model):
    """One tool result quoted in support of (or against) a hypothesis."""

    tool_call_id: str
    tool: str
    query: str = Field(description="The exact request sent, so a human can re-run it.")
    quote: str
    verified: bool = Field(description="Whether the quote was found in the tool's output.")


class Hypothesis(_Model):
    """A candidate explanation; the report lists them ranked, most likely first."""

    id: str
    component: str
    category: Category
    statement: str
    status: Literal["open", "supported", "refuted"]
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)


class TimelineEvent(_Model):
    """One moment of the incident."""

    time: AwareDatetime
    event: str
    source: str


class Target(_Model):
    """The object a remediation acts on."""

    kind: str
    namespace: str
    name: str


class Precondition(_Model):
    """The state the proposal was made against; the gate refuses if the live object differs."""

    resource_version: str | None = None
    revision: int | None = None


RemediationAction = Literal[
    "rollback_deployment", "scale_deployment", "restart_deployment", "manual"
]

# The parameters each catalogue action takes, with their types; nothing else is accepted.
ACTION_PARAMS: dict[str, dict[str, type]] = {
    "rollback_deployment": {"to_revision": int},
    "scale_deployment": {"replicas": int},
    "restart_deployment": {},
    "manual": {},
}


class Remediation(_Model):
    """A proposed action from the fixed catalogue; only ``agent approve`` can carry it out."""

    id: str = Field(min_length=1)
    action: RemediationAction
    target: Target
    params: dict[str, Any] = Field(default_factory=dict)
    rationale: str
    risk: Literal["low", "medium", "high"]
    precondition: Precondition = Field(default_factory=Precondition)

    @model_validator(mode="after")
    def _params_match_action(self) -> Remediation:
        expected = ACTION_PARAMS[self.action]
        unknown = sorted(set(self.params) - set(expected))
        if unknown:
            raise ValueError(f"{self.action} takes no parameter(s) {unknown}")
        for name, kind in expected.items():
            value = self.params.get(name)
            # bool is an int subclass; True is never a revision or a replica count.
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"{self.action} needs parameter {name!r} of type {kind.__name__}")
            if isinstance(value, int) and value < 1:
                raise ValueError(f"{self.action} parameter {name!r} must be at least 1")
        if self.action != "manual" and self.target.kind != "Deployment":
            raise ValueError(f"{self.action} acts on a Deployment, not a {self.target.kind}")
        return self


StatusPageStatus = Literal["investigating", "identified", "monitoring", "resolved"]


class StatusPage(_Model):
    """A draft for the public status page: no internal names; a human publishes it."""

    title: str
    body: str
    component: str | None = Field(
        default=None, description="The public status-page component (from the catalogue)."
    )
    status: StatusPageStatus = "investigating"


SeverityLevel = Literal["SEV-1", "SEV-2", "SEV-3", "SEV-4"]


class Severity(_Model):
    """How bad it is (SEV-1 worst) and why."""

    level: SeverityLevel
    reason: str


StepKind = Literal["kubectl", "promql", "logql", "traceql", "url", "agent"]


class NextStep(_Model):
    """One ordered next step: what to do, the read-only command or query, what to expect."""

    action: str
    kind: StepKind
    command: str = Field(description="A read-only command, query or URL.")
    expected: str = Field(description="What the on-call engineer should see if the cause holds.")
    link: str | None = Field(default=None, description="Grafana Explore link, when configured.")


class Ownership(_Model):
    """Which team owns the fix, and why."""

    team: str
    kind: Literal["service", "platform"]
    reason: str


class Escalation(_Model):
    """Who owns an implicated service and where to reach them."""

    service: str
    owner: str = ""
    team_channel: str = ""
    runbook_url: str = ""


class Usage(_Model):
    """What the investigation consumed."""

    steps: int = Field(default=0, ge=0)
    tool_calls: int = Field(default=0, ge=0)
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    cache_read_tokens: int = Field(default=0, ge=0)
    cache_write_tokens: int = Field(default=0, ge=0)
    cost_usd: float = Field(default=0.0, ge=0.0)
    wall_seconds: float = Field(default=0.0, ge=0.0)


class Report(_Model):
    """The outcome of one investigation, complete or not."""

    investigation_id: str = Field(min_length=1)
    alert: AlertRef
    status: Literal["complete", "partial", "failed"]
    brain: str = Field(description='What reasoned: "offline", "claude:<model>", "scripted".')
    root_cause: RootCause | None = None
    hypotheses: list[Hypothesis] = Field(default_factory=list, description="Ranked, best first.")
    timeline: list[TimelineEvent] = Field(default_factory=list)
    data_gaps: list[str] = Field(default_factory=list)
    remediations: list[Remediation] = Field(default_factory=list)
    status_page: StatusPage | None = None
    escalation: list[Escalation] = Field(default_factory=list)
    severity: Severity | None = None
    affected_services: list[str] = Field(
        default_factory=list, description="From the evidence, the cause first."
    )
    next_steps: list[NextStep] = Field(default_factory=list, description="In order.")
    data_needed: list[str] = Field(
        default_factory=list, description="What would raise confidence, most useful first."
    )
    ownership: Ownership | None = None
    usage: Usage = Field(default_factory=Usage)
    degraded_reason: str | None = None
    started_at: AwareDatetime
    finished_at: AwareDatetime

    @field_validator("timeline")
    @classmethod
    def _sorted_timeline(cls, events: list[TimelineEvent]) -> list[TimelineEvent]:
        return sorted(events, key=lambda event: event.time)

    @model_validator(mode="after")
    def _unique_remediation_ids(self) -> Report:
        # ``agent approve <investigation> <remediation>`` must name exactly one proposal.
        ids = [r.id for r in self.remediations]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"remediation ids must be unique; repeated: {duplicates}")
        return self

    def remediation(self, remediation_id: str) -> Remediation | None:
        """The proposal called ``remediation_id``, if the report has one."""
        return next((r for r in self.remediations if r.id == remediation_id), None)


def schema_text() -> str:
    """The report's JSON schema, formatted as committed in ``report.schema.json``."""
    return json.dumps(Report.model_json_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    """Write the report's JSON schema to ``path`` and return it."""
    path.write_text(schema_text(), encoding="utf-8")
    return path
