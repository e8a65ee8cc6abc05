"""Where reports and approvals are kept between ``agent investigate`` and ``agent approve``.

Layout under the state directory::

    reports/<investigation-id>.json              one Report each, written atomically
    approvals/<investigation-id>/<remediation-id>.json   created once, never overwritten
    audit.jsonl                                  see ``agent.remediation.audit``

An approval file is created with ``O_EXCL``, so two concurrent ``agent approve`` runs cannot
both use the same approval.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.errors import ConfigError, RemediationAborted
from agent.report.model import Report

# Ids become file names: no separators, no leading dot, bounded length.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


class ApprovalRecord(BaseModel):
    """Who used an approval, when, and for which exact request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    investigation_id: str
    remediation_id: str
    approver: str
    approved_at: datetime
    action_sha256: str


class ReportStore(Protocol):
    """Keeps reports and single-use approvals."""

    def save(self, report: Report) -> None:
        """Store ``report``, replacing an earlier one with the same id."""

    def load(self, investigation_id: str) -> Report:
        """The stored report; ``ConfigError`` naming the id and the store when missing."""

    def approval(self, investigation_id: str, remediation_id: str) -> ApprovalRecord | None:
        """The recorded use of this approval, if it was used."""

    def claim(self, record: ApprovalRecord) -> None:
        """Record the use of an approval; ``RemediationAborted`` if it was already used."""


def _checked_id(kind: str, value: str) -> str:
    if not _SAFE_ID.fullmatch(value):
        raise ConfigError(
            f"invalid {kind} {value!r}: use letters, digits, '.', '_', ':' or '-' "
            "(at most 128 characters, starting with a letter or digit)"
        )
    return value


class JsonFileStore:
    """A ``ReportStore`` of JSON files under one state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    @property
    def audit_path(self) -> Path:
        """Where the approval audit log lives."""
        return self.state_dir / "audit.jsonl"

    def _report_path(self, investigation_id: str) -> Path:
        return (
            self.state_dir / "reports" / f"{_checked_id('investigation id', investigation_id)}.json"
        )

    def _approval_path(self, investigation_id: str, remediation_id: str) -> Path:
        return (
            self.state_dir
            / "approvals"
            / _checked_id("investigation id", investigation_id)
            / f"{_checked_id('remediation id', remediation_id)}.json"
        )

    def save(self, report: Report) -> None:
        """Store ``report`` atomically (readers never see half a file)."""
        path = self._report_path(report.investigation_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.tmp")
        partial.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        os.replace(partial, path)

    def load(self, investigation_id: str) -> Report:
        """The stored report.

        Raises:
            ConfigError: no report with that id in this store, or the file is not a report.
        """
        path = self._report_path(investigation_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"no investigation {investigation_id!r} in {path.parent} "
                "(check the id, or --state-dir)"
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        try:
            return Report.model_validate_json(text)
        except ValidationError as exc:
            raise ConfigError(f"{path} is not a valid report: {exc.errors()[0]['msg']}") from exc

    def approval(self, investigation_id: str, remediation_id: str) -> ApprovalRecord | None:
        """The recorded use of this approval, if any."""
        path = self._approval_path(investigation_id, remediation_id)
        try:
            return ApprovalRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def claim(self, record: ApprovalRecord) -> None:
        """Record the use of an approval, exactly once.

        Raises:
            RemediationAborted: the approval was already used.
        """
        path = self._approval_path(record.investigation_id, record.remediation_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(record.model_dump_json())
        except FileExistsError:
            raise used_approval(
                self.approval(record.investigation_id, record.remediation_id)
            ) from None


def used_approval(previous: ApprovalRecord | None) -> RemediationAborted:
    """The refusal for a second use of an approval."""
    if previous is None:  # pragma: no cover - the file vanished between the two reads
        return RemediationAborted("this approval was already used; each approval is used once")
    return RemediationAborted(
        f"remediation {previous.remediation_id} of {previous.investigation_id} was already "
        f"approved by {previous.approver} at {previous.approved_at.isoformat()}; each approval "
        "is used once — re-run the investigation for a new proposal"
    )
