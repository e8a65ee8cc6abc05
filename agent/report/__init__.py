"""The investigation report: model, renderers and the status-page scanner."""

from agent.report.model import (
    AlertRef,
    Escalation,
    Evidence,
    Hypothesis,
    Precondition,
    Remediation,
    Report,
    RootCause,
    StatusPage,
    Target,
    TimelineEvent,
    Usage,
    write_schema,
)

__all__ = [
    "AlertRef",
    "Escalation",
    "Evidence",
    "Hypothesis",
    "Precondition",
    "Remediation",
    "Report",
    "RootCause",
    "StatusPage",
    "Target",
    "TimelineEvent",
    "Usage",
    "write_schema",
]
