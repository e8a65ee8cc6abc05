"""Redaction of what the server stores and serves: alerts, worker errors, audit details.

Alert annotations and labels are telemetry: a secret pasted into a description must not sit in
``server.db`` (or its WAL) for as long as the file lives. Worker errors quote whatever a backend
or a library said, so they are redacted before they are stored and again before they are
served (rows written by an older version). The fingerprint is computed from the labels as
received, before redaction, so deduplication of HA peers and re-sends is unaffected.

The placeholder key is random per process and never written anywhere: a stored placeholder
shows that two values were equal, and cannot be used to test a guessed value against the
database alone.
"""

from __future__ import annotations

import os
from typing import Any

from agent.alerts.model import Alert
from agent.safety import JSONish, Redactor

_KEY = os.urandom(32)


def _redactor() -> Redactor:
    # A fresh Redactor per call: its cache then lives as long as one value, not the process.
    return Redactor(_KEY)


def redact_alert(alert: Alert) -> Alert:
    """``alert`` with its labels, annotations and generator URL redacted."""
    redactor = _redactor()
    fields: Any = redactor.redact_obj(
        {"labels": dict(alert.labels.items()), "annotations": dict(alert.annotations.items())}
    )
    return alert.model_copy(
        update={
            "labels": {str(k): str(v) for k, v in fields["labels"].items()},
            "annotations": {str(k): str(v) for k, v in fields["annotations"].items()},
            "generator_url": redactor.redact(alert.generator_url) if alert.generator_url else None,
        }
    )


def redact_text(text: str) -> str:
    """``text`` (an error message) with every detected secret replaced."""
    return _redactor().redact(text)


def redact_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """An audit record's details, redacted (values that are not JSON become strings)."""
    plain: JSONish = {str(k): _jsonish(v) for k, v in detail.items()}
    redacted = _redactor().redact_obj(plain)
    assert isinstance(redacted, dict)
    return redacted


def _jsonish(value: Any) -> JSONish:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonish(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonish(v) for v in value]
    return str(value)
