"""Write-ahead records of a remediation: the intent before the PATCH, the outcome after.

A crash between claiming an approval and recording what happened must neither lose the fact
that a write may have been sent nor let it be sent again. So the gate appends an *intent* to
the audit log before the executor sends anything and an *outcome* after. An approval that was
claimed but has no outcome is *unfinished*: the next ``approve`` of it reads the live
Deployment, decides whether the write landed, records that once (a ``remediation_reconciled``
event, itself an outcome) and refuses to send anything.

The intent stores what the request would change as digests (JSON pointer → sha256 of the new
value), not the values: a pod template can carry environment values that must not be copied
into logs (see ``agent.remediation.audit``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.remediation.action import PlannedAction
from agent.remediation.audit import AuditLog
from agent.remediation.policy import live_identity

INTENT = "remediation_intent"
RECONCILED = "remediation_reconciled"
_APPROVAL = "remediation_approval"
_FINISHED = {"applied", "failed"}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def intent_record(
    investigation_id: str, remediation_id: str, approver: str, action: PlannedAction, time: str
) -> dict[str, Any]:
    """The audit record written just before the executor sends ``action``."""
    guard = next((op for op in action.body if op.get("op") == "test"), {})
    return {
        "time": time,
        "event": INTENT,
        "investigation_id": investigation_id,
        "remediation_id": remediation_id,
        "approver": approver,
        "request": {"method": action.method, "path": action.path, "body_sha256": action.sha256()},
        "expected_resource_version": guard.get("value"),
        "changes": [
            {"path": op["path"], "value_sha256": _digest(op.get("value"))}
            for op in action.body
            if op.get("op") in {"add", "replace"}
        ],
    }


def _same(record: Mapping[str, Any], investigation_id: str, remediation_id: str) -> bool:
    return (
        record.get("investigation_id") == investigation_id
        and record.get("remediation_id") == remediation_id
    )


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A claimed approval with no recorded outcome, and its intent if one was written."""

    intent: dict[str, Any] | None


def unfinished(audit: AuditLog, investigation_id: str, remediation_id: str) -> Unfinished | None:
    """The unfinished write of this approval, or ``None`` when its outcome is recorded.

    Call it only for an approval that was claimed.
    """
    intent: dict[str, Any] | None = None
    for record in audit.records():
        if not _same(record, investigation_id, remediation_id):
            continue
        event = record.get("event")
        if event == RECONCILED or (event == _APPROVAL and record.get("decision") in _FINISHED):
            return None
        if event == INTENT:
            intent = record
    return Unfinished(intent)


def _at(document: Any, pointer: str) -> Any:
    for raw in pointer.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(document, Mapping) or key not in document:
            return None
        document = document[key]
    return document


@dataclass(frozen=True, slots=True)
class Landing:
    """Whether an unfinished write is visible on the live Deployment."""

    landed: bool
    resource_version: str
    revision: int | None
    reason: str


def landing(work: Unfinished, deployment: Mapping[str, Any]) -> Landing:
    """Decide from the live Deployment whether the unfinished write landed."""
    version, revision = live_identity(deployment)
    intent = work.intent
    if intent is None:
        reason = "no intent was recorded, so the executor never sent the request"
        return Landing(False, version, revision, reason)
    if version == intent.get("expected_resource_version"):
        reason = f"the Deployment is unchanged (resourceVersion {version}): the write did not land"
        return Landing(False, version, revision, reason)
    for change in intent.get("changes") or []:
        if _digest(_at(deployment, change["path"])) != change["value_sha256"]:
            reason = (
                f"the Deployment changed (resourceVersion {version}) but {change['path']} is "
                "not what the approved request sets: the write did not land, someone else "
                "changed it"
            )
            return Landing(False, version, revision, reason)
    reason = f"the write landed (resourceVersion {version}, revision {revision})"
    return Landing(True, version, revision, reason)
