"""Remediation proposals → exact actions, behind a typed-confirmation gate and an audit log.

The investigating agent never writes. ``agent approve`` (``agent.cli.approve``) runs ``Gate``
with an ``Executor`` holding separate credentials.
"""

from agent.remediation.action import PlannedAction, build_action
from agent.remediation.audit import AuditLog
from agent.remediation.executor import Executor, check_separate_credentials
from agent.remediation.gate import ApprovalRequest, Gate, Outcome
from agent.remediation.store import ApprovalRecord, JsonFileStore, ReportStore

__all__ = [
    "ApprovalRecord",
    "ApprovalRequest",
    "AuditLog",
    "Executor",
    "Gate",
    "JsonFileStore",
    "Outcome",
    "PlannedAction",
    "ReportStore",
    "build_action",
    "check_separate_credentials",
]
