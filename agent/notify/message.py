"""What every sink delivers: one ``Message`` composed from a report and its alert.

Composed once per delivery, redacted once (defence in depth: the report's telemetry was
redacted at dispatch, but a notification leaves our trust boundary) and neutralised per sink
(Slack mrkdwn, Markdown, plain text). The status-page draft is never part of a message: it is
published by a human, never automatically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from agent.alerts.model import Alert
from agent.report import neutralize
from agent.report.model import Report
from agent.report.render import render_markdown
from agent.safety.redact import Redactor

# Enough evidence to judge the claim at a glance; the full list is one click away.
_TOP_EVIDENCE = 3
_QUOTE_CHARS = 300


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One piece of evidence: the tool, the exact query to re-run, the quote."""

    tool: str
    query: str
    quote: str
    verified: bool
    link: str | None = None  # Grafana Explore, when the report's next steps have one


@dataclass(frozen=True, slots=True)
class Decision:
    """A remediation an approver can approve or reject."""

    remediation_id: str
    action: str
    target: str  # namespace/name, what the approver types to confirm
    risk: str


@dataclass(frozen=True, slots=True)
class Message:
    """A concise, redacted summary of one investigation's report."""

    investigation_id: str
    fingerprint: str
    title: str
    summary: str
    severity: str
    confidence: float | None
    owner: str
    channel: str | None
    recipients: list[str]
    evidence: list[EvidenceLine]
    decisions: list[Decision]
    report_url: str | None
    markdown: str
    report_json: dict[str, Any]
    digest: str
    labels: list[str] = field(default_factory=list)
    pagerduty_incident: str | None = None


def report_digest(report: Report) -> str:
    """A stable hash of what a report says (not what it cost or when it finished).

    An investigation that is resumed and reaches the same conclusion has the same digest, so
    its result is never delivered twice; a changed conclusion is a new digest, an update.
    """
    data = report.model_dump_json(exclude={"usage", "started_at", "finished_at"})
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _text(redactor: Redactor, value: str, limit: int | None = None) -> str:
    clean = neutralize.plain(redactor.redact(value), frozenset(), multiline=False)
    return clean if limit is None or len(clean) <= limit else clean[: limit - 1] + "…"


def _severity(report: Report, alert: Alert) -> str:
    if report.severity is not None:
        return report.severity.level
    return alert.labels.get("severity", "unknown")


def pagerduty_incident(alert: Alert) -> str | None:
    """The PagerDuty incident the alert came from or names, if any."""
    for source in (alert.annotations, alert.labels):
        for key in ("pagerduty_incident", "pagerduty_incident_id"):
            if source.get(key):
                return source[key]
    return None


def compose(report: Report, alert: Alert, *, public_url: str | None = None) -> Message:
    """The message for ``report``, redacted and stripped of anything a link could hide."""
    redactor = Redactor.with_random_key()
    root = report.root_cause
    if root is not None:
        headline = f"{root.component}: {root.category}"
        summary = _text(redactor, root.summary, 1500)
    else:
        headline = f"no root cause ({report.status})"
        summary = "The investigation did not reach a root cause; see the data gaps in the report."
    owner = report.ownership.team if report.ownership else ""
    owner = owner or next((e.owner for e in report.escalation if e.owner), "")
    channel = next((e.team_channel for e in report.escalation if e.team_channel), None)
    recipients = [e.owner for e in report.escalation if "@" in e.owner]
    links = {s.command: s.link for s in report.next_steps if s.link}
    evidence = [
        EvidenceLine(
            tool=e.tool,
            query=_text(redactor, e.query, 400),
            quote=_text(redactor, e.quote, _QUOTE_CHARS),
            verified=e.verified,
            link=next((url for command, url in links.items() if command in e.query), None),
        )
        for h in report.hypotheses[:1]
        for e in h.evidence[:_TOP_EVIDENCE]
    ]
    decisions = [
        Decision(
            remediation_id=r.id,
            action=r.action,
            target=f"{r.target.namespace}/{r.target.name}",
            risk=r.risk,
        )
        for r in report.remediations
        if r.action != "manual"
    ]
    report_url = (
        f"{public_url.rstrip('/')}/investigations/{report.investigation_id}/report.md"
        if public_url
        else None
    )
    severity = _severity(report, alert)
    return Message(
        investigation_id=report.investigation_id,
        fingerprint=alert.fingerprint,
        title=_text(redactor, f"[{severity}] {alert.name} — {headline}", 200),
        summary=summary,
        severity=severity,
        confidence=root.confidence if root else None,
        owner=owner or "unowned",
        channel=channel,
        recipients=recipients,
        evidence=evidence,
        decisions=decisions,
        report_url=report_url,
        markdown=redactor.redact(render_markdown(report)),
        report_json=_without_status_page(redactor.redact_obj(report.model_dump(mode="json"))),
        digest=report_digest(report),
        labels=[root.component] if root else [],
        pagerduty_incident=pagerduty_incident(alert),
    )


def _without_status_page(data: Any) -> dict[str, Any]:
    # The draft is for a human to publish; sending it along invites automation to post it.
    assert isinstance(data, dict)
    return {k: v for k, v in data.items() if k != "status_page"}
