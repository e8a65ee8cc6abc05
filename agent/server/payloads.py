"""Webhook bodies → ``Alert``s: strict, bounded parsing with errors that name the problem.

Every failure here is the sender's fault and becomes a 4xx (``BadPayload``); Alertmanager
retries 5xx, so nothing a client sends may surface as one. Each source has one normaliser:
Alertmanager (payload version 4), Grafana-managed alerting (version 1) and PagerDuty V3 events.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.alerts.fingerprint import fingerprint
from agent.alerts.model import Alert, alert_from_alertmanager
from agent.timeutil import parse_rfc3339


class BadPayload(ValueError):
    """The request body is not an acceptable webhook payload; carries the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Notification:
    """One webhook delivery, normalised."""

    alerts: list[Alert]
    event_id: str | None = None  # sender's delivery id, for replay detection
    occurred_at: float | None = None  # when the sender says the event happened (Unix time)
    group_key: str | None = None  # Alertmanager's groupKey: these alerts are one incident
    sender: str = ""  # which instance sent it (externalURL), for fair queueing
    ignored: list[str] = field(default_factory=list)  # what was deliberately not acted on


# Longer integers are no alert data, and Python refuses to convert more than 4300 digits
# with a ValueError that is not a JSONDecodeError (it would surface as a 500).
MAX_NUMBER_DIGITS = 100


def parse_json(body: bytes, max_depth: int) -> Any:
    """Decode UTF-8 JSON, refusing what a sender's mistake or an attacker can put in it.

    Refused: invalid UTF-8, NaN/Infinity, deep nesting, integers longer than
    ``MAX_NUMBER_DIGITS``, numbers beyond a float's range, and escaped lone surrogates.

    Raises:
        BadPayload: the body is not UTF-8 JSON within these limits.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPayload(f"body is not valid UTF-8 (byte {exc.start})") from None
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_int=_integer, parse_float=_float
        )
    except json.JSONDecodeError as exc:
        raise BadPayload(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    _check_unicode(value, "")
    return value


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise BadPayload(
            f"body is not acceptable JSON: an integer of {len(digits.lstrip('-'))} digits "
            f"(at most {MAX_NUMBER_DIGITS})"
        )
    return int(digits)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > 4 * MAX_NUMBER_DIGITS:
        raise BadPayload(
            f"body is not acceptable JSON: the number {text[:20]}... is out of range"
            if len(text) > 20
            else f"body is not acceptable JSON: the number {text} is out of range"
        )
    return value


def _check_unicode(value: Any, where: str) -> None:
    # JSON may escape a lone UTF-16 surrogate ("\ud800"); it decodes to a str that cannot be
    # encoded (fingerprints, SQLite), and RFC 8259 section 8.2 calls its behaviour unpredictable.
    if isinstance(value, str):
        _encodable(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            _encodable(key, f"a key in {where or '(top level)'}")
            _check_unicode(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_unicode(item, f"{where}.{index}" if where else str(index))


def _encodable(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadPayload(
            f"body is not acceptable JSON: {where or '(top level)'} contains a lone "
            f"surrogate (\\u{ord(text[exc.start]):04x}), which is not a Unicode character"
        ) from None


def _reject_constant(name: str) -> Any:
    raise BadPayload(f"body is not valid JSON: {name} is not allowed")


def _check_depth(text: str, max_depth: int) -> None:
    # Scanned before parsing so a 1 MiB run of "[" never reaches the recursive decoder.
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise BadPayload(f"body is nested deeper than {max_depth} levels")
        elif char in "]}":
            depth -= 1


def _shape_error(source: str, exc: ValidationError) -> BadPayload:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    return BadPayload(f"not a {source} payload: {where}: {first['msg']}", status=422)


class _Loose(BaseModel):
    # Senders add fields over time; only the fields we use are checked.
    model_config = ConfigDict(extra="allow")


class _AlertItem(_Loose):
    status: str = "firing"
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: str
    endsAt: str | None = None
    generatorURL: str | None = None
    fingerprint: str | None = None


class _AlertmanagerMessage(_Loose):
    version: str
    status: str
    alerts: list[_AlertItem]
    groupKey: str | None = None
    externalURL: str | None = None


class _GrafanaMessage(_AlertmanagerMessage):
    orgId: int


def _alerts(items: list[_AlertItem], source: str) -> list[Alert]:
    alerts = []
    for index, item in enumerate(items):
        data = item.model_dump()
        if not data.get("fingerprint"):
            data["fingerprint"] = fingerprint(item.labels)
        try:
            alerts.append(alert_from_alertmanager(data, source=source))
        except ValueError as exc:
            raise BadPayload(f"not a {source} payload: alerts.{index}: {exc}", 422) from None
    return alerts


def _grouped(
    payload: Any, model: type[_AlertmanagerMessage], source: str, label: str, version: str
) -> Notification:
    """Validate an Alertmanager-shaped group notification of ``version`` and normalise it."""
    try:
        message = model.model_validate(payload)
    except ValidationError as exc:
        raise _shape_error(source, exc) from None
    if message.version != version:
        raise BadPayload(
            f'unsupported {label} payload version {message.version!r} (expected "{version}")', 422
        )
    return Notification(
        _alerts(message.alerts, source),
        group_key=message.groupKey or None,
        sender=message.externalURL or "",
    )


def alertmanager(payload: Any) -> Notification:
    """Normalise an Alertmanager webhook (payload version 4)."""
    return _grouped(payload, _AlertmanagerMessage, "alertmanager", "Alertmanager", "4")


def grafana(payload: Any) -> Notification:
    """Normalise a Grafana-managed alerting webhook (version 1)."""
    return _grouped(payload, _GrafanaMessage, "grafana", "Grafana", "1")


class _Service(_Loose):
    id: str | None = None
    summary: str | None = None


class _Incident(_Loose):
    id: str
    title: str = ""
    incident_key: str | None = None
    status: str | None = None
    urgency: str | None = None
    created_at: str | None = None
    html_url: str | None = None
    service: _Service | None = None


class _PagerDutyEvent(_Loose):
    id: str
    event_type: str
    resource_type: str
    occurred_at: str
    data: dict[str, Any]


class _PagerDutyMessage(_Loose):
    event: _PagerDutyEvent


_PAGERDUTY_STATUS = {
    "incident.triggered": "firing",
    "incident.reopened": "firing",
    "incident.resolved": "resolved",
}


def pagerduty(payload: Any) -> Notification:
    """Normalise a PagerDuty V3 webhook: an incident becomes one alert with mapped labels."""
    try:
        event = _PagerDutyMessage.model_validate(payload).event
    except ValidationError as exc:
        raise _shape_error("pagerduty", exc) from None
    try:
        occurred = parse_rfc3339(event.occurred_at).timestamp()
    except ValueError as exc:
        raise BadPayload(f"not a pagerduty payload: event.occurred_at: {exc}", 422) from None
    status = _PAGERDUTY_STATUS.get(event.event_type)
    if event.resource_type != "incident" or status is None:
        return Notification([], event.id, occurred, ignored=[event.event_type])
    try:
        incident = _Incident.model_validate(event.data)
    except ValidationError as exc:
        raise _shape_error("pagerduty", exc) from None
    service = incident.service.summary if incident.service and incident.service.summary else ""
    # PagerDuty has no label set: build one from what identifies the incident. The title is
    # the closest thing to an alert name; the incident key stays stable across re-triggers.
    labels = {
        "alertname": incident.title or "PagerDutyIncident",
        "incident_key": incident.incident_key or incident.id,
        "service": service,
    }
    labels = {k: v for k, v in labels.items() if v}
    data = {
        "status": status,
        "labels": labels,
        "annotations": {
            k: v
            for k, v in {
                "summary": incident.title,
                "pagerduty_incident": incident.id,
                "urgency": incident.urgency or "",
                "url": incident.html_url or "",
            }.items()
            if v
        },
        "startsAt": incident.created_at or event.occurred_at,
        "fingerprint": fingerprint(labels),
    }
    try:
        alert = alert_from_alertmanager(data, source="pagerduty")
    except ValueError as exc:
        raise BadPayload(f"not a pagerduty payload: {exc}", 422) from None
    return Notification([alert], event.id, occurred)


NORMALISERS: dict[str, Callable[[Any], Notification]] = {
    "alertmanager": alertmanager,
    "grafana": grafana,
    "pagerduty": pagerduty,
}
