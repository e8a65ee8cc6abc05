"""The report laid out once as sections of styled spans; each renderer only formats them.

Spans carry raw (possibly attacker-written) text: neutralising it is the renderer's job, since
what is safe differs between a terminal and Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from agent.report.model import Evidence, Hypothesis, Remediation, Report

Style = Literal["plain", "strong", "code", "muted", "good", "bad"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text in one style; ``multiline`` keeps its line breaks."""

    text: str
    style: Style = "plain"
    multiline: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a section: a paragraph at depth 0, a bullet nested ``depth - 1`` deep."""

    spans: tuple[Span, ...]
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the report."""

    title: str
    lines: tuple[Line, ...]


_STATUS_STYLE: dict[str, Style] = {"supported": "good", "refuted": "bad", "open": "plain"}


def _line(*spans: Span | str, depth: int = 0) -> Line:
    return Line(tuple(s if isinstance(s, Span) else Span(s) for s in spans), depth)


def _percent(confidence: float) -> str:
    return f"{confidence:.0%}"


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def approve_command(report: Report, remediation: Remediation) -> str:
    """The exact command a human runs to carry out ``remediation``."""
    return f"agent approve {report.investigation_id} {remediation.id} --executor-kubeconfig PATH"


def _header(report: Report) -> Section:
    lines = [
        _line(Span("Alert: ", "muted"), Span(report.alert.name, "strong")),
        _line(Span("Fingerprint: ", "muted"), Span(report.alert.fingerprint, "code")),
        _line(
            Span("Status: ", "muted"),
            Span(report.status, "good" if report.status == "complete" else "bad"),
            Span("   Brain: ", "muted"),
            Span(report.brain),
        ),
        _line(
            Span("Window: ", "muted"),
            Span(f"{_time(report.started_at)} → {_time(report.finished_at)}"),
        ),
    ]
    if report.degraded_reason:
        lines.append(_line(Span("Degraded: ", "bad"), Span(report.degraded_reason)))
    return Section(f"Investigation {report.investigation_id}", tuple(lines))


def _root_cause(report: Report) -> Section:
    cause = report.root_cause
    if cause is None:
        return Section("Root cause", (_line(Span("Not determined.", "muted")),))
    return Section(
        "Root cause",
        (
            _line(
                Span(cause.component, "strong"),
                f" ({cause.category}) — confidence {_percent(cause.confidence)}",
            ),
            _line(cause.summary),
        ),
    )


def _evidence(item: Evidence) -> list[Line]:
    mark = Span("✓ verified", "good") if item.verified else Span("✗ unverified", "bad")
    return [
        _line(mark, Span(f" — {item.tool} ({item.tool_call_id}): ", "muted"), item.quote, depth=2),
        _line(Span("query: ", "muted"), Span(item.query, "code"), depth=3),
    ]


def _hypothesis(rank: int, hypothesis: Hypothesis) -> list[Line]:
    style: Style = _STATUS_STYLE[hypothesis.status]
    lines = [
        _line(
            f"#{rank} ",
            Span(f"[{hypothesis.status}]", style),
            " ",
            Span(hypothesis.statement, "strong"),
            Span(
                f" — {hypothesis.component} ({hypothesis.category}), "
                f"confidence {_percent(hypothesis.confidence)}, id {hypothesis.id}",
                "muted",
            ),
            depth=1,
        )
    ]
    for item in hypothesis.evidence:
        lines.extend(_evidence(item))
    if not hypothesis.evidence:
        lines.append(_line(Span("no evidence recorded", "muted"), depth=2))
    return lines


def _remediation(report: Report, item: Remediation) -> list[Line]:
    target = item.target
    lines = [
        _line(
            Span(f"{item.id}: {item.action}", "strong"),
            f" {target.kind} {target.namespace}/{target.name}",
            Span(f" (risk: {item.risk})", "bad" if item.risk == "high" else "muted"),
            depth=1,
        ),
        _line(item.rationale, depth=2),
    ]
    details = [f"{key}={value}" for key, value in sorted(item.params.items())]
    if item.precondition.resource_version is not None:
        details.append(f"resourceVersion {item.precondition.resource_version}")
    if item.precondition.revision is not None:
        details.append(f"revision {item.precondition.revision}")
    if details:
        lines.append(
            _line(Span("parameters and preconditions: ", "muted"), ", ".join(details), depth=2)
        )
    if item.action == "manual":
        lines.append(_line(Span("manual step: the agent cannot carry it out", "muted"), depth=2))
    else:
        lines.append(
            _line(
                Span("approve with: ", "muted"),
                Span(approve_command(report, item), "code"),
                depth=2,
            )
        )
    return lines


def _triage(report: Report) -> list[Line]:
    lines: list[Line] = []
    if report.severity is not None:
        lines.append(_line(Span("Severity: ", "muted"), Span(report.severity.level, "strong"),
                           Span(f" — {report.severity.reason}", "muted")))  # fmt: skip
    if report.affected_services:
        lines.append(_line(Span("Affected: ", "muted"), ", ".join(report.affected_services)))
    if report.ownership is not None:
        owner = report.ownership
        lines.append(_line(Span("Owner: ", "muted"), Span(owner.team, "strong"),
                           f" ({owner.kind} team)", Span(f" — {owner.reason}", "muted")))  # fmt: skip
    return lines


def _next_steps(report: Report) -> list[Line]:
    lines: list[Line] = []
    for number, step in enumerate(report.next_steps, start=1):
        lines.append(_line(Span(f"{number}. {step.action}", "strong"), depth=1))
        lines.append(_line(Span(f"{step.kind}: ", "muted"), Span(step.command, "code"), depth=2))
        lines.append(_line(Span("expect: ", "muted"), step.expected, depth=2))
        if step.link:
            lines.append(_line(Span("explore: ", "muted"), Span(step.link, "code"), depth=2))
    return lines


def _list_section(title: str, lines: list[Line], empty: str) -> Section:
    return Section(title, tuple(lines) if lines else (_line(Span(empty, "muted")),))


def outline(report: Report) -> list[Section]:
    """The report as ordered sections, ready for a renderer."""
    hypotheses = [
        line
        for rank, hypothesis in enumerate(report.hypotheses, start=1)
        for line in _hypothesis(rank, hypothesis)
    ]
    timeline = [
        _line(
            Span(_time(e.time), "muted"), "  ", e.event, Span(f"  ({e.source})", "muted"), depth=1
        )
        for e in report.timeline
    ]
    gaps = [_line(gap, depth=1) for gap in report.data_gaps]
    remediations = [line for item in report.remediations for line in _remediation(report, item)]
    if remediations:
        remediations.insert(0, _line(Span("Proposals only: nothing has been executed.", "muted")))
    page = report.status_page
    status_page = (
        [
            _line(Span(f"[{page.status}] ", "muted"), Span(page.title, "strong"),
                  Span(f"  component: {page.component}" if page.component else "", "muted")),
            _line(Span(page.body, multiline=True)),
            _line(Span("Draft only: never published automatically.", "muted")),
        ]
        if page
        else []
    )  # fmt: skip
    escalation = [
        _line(
            Span(e.service, "strong"),
            f" — owner {e.owner}, channel {e.team_channel}, runbook ",
            Span(e.runbook_url, "code"),
            depth=1,
        )
        for e in report.escalation
    ]
    u = report.usage
    usage = [
        _line(
            f"{u.steps} steps, {u.tool_calls} tool calls, {u.input_tokens} input / "
            f"{u.output_tokens} output tokens (cache read {u.cache_read_tokens}, "
            f"write {u.cache_write_tokens}), ${u.cost_usd:.4f}, {u.wall_seconds:.1f} s"
        )
    ]
    return [
        _header(report),
        _root_cause(report),
        _list_section("Triage", _triage(report), "Not assessed."),
        _list_section("Next steps", _next_steps(report), "None."),
        _list_section("Hypotheses (ranked)", hypotheses, "None recorded."),
        _list_section("Timeline", timeline, "No events recorded."),
        _list_section("Data gaps", gaps, "None."),
        _list_section(
            "Data that would raise confidence",
            [_line(d, depth=1) for d in report.data_needed],
            "None.",
        ),
        _list_section("Proposed remediations", remediations, "None proposed."),
        _list_section("Status page draft", status_page, "No draft."),
        _list_section("Escalation", escalation, "No owners known."),
        Section("Usage", tuple(usage)),
    ]
