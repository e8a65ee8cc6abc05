"""The alert files of a recorded bundle: ``alert.json`` and ``incident.yaml``.

Alertmanager's v2 API returns ``gettableAlert`` objects; bundles hold the v4 *webhook* payload
Alertmanager would have sent, so the alert is converted to that shape. The incident's title is
neutral on purpose: only the alert name and service, never a guess at the cause.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from agent.safety.redact import Redactor
from agent.timeutil import format_rfc3339, parse_rfc3339

_WEBHOOK_KEYS = ("labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint")
_ZERO_TIME = "0001-01-01T00:00:00Z"


def webhook_alert(item: dict[str, Any]) -> dict[str, Any]:
    """A v2 API ``gettableAlert`` as a webhook alert (``status`` is firing or resolved)."""
    alert = {key: item.get(key) for key in _WEBHOOK_KEYS}
    state = item.get("status")
    resolved = isinstance(state, dict) and state.get("state") == "resolved"
    alert["status"] = "resolved" if resolved else "firing"
    alert["labels"] = dict(item.get("labels") or {})
    alert["annotations"] = dict(item.get("annotations") or {})
    alert["endsAt"] = alert["endsAt"] or _ZERO_TIME
    alert["generatorURL"] = alert["generatorURL"] or ""
    return alert


def redact_alert(alert: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """``alert`` with its labels, annotations and generator URL redacted (a copy).

    Annotations are free text written by whoever wrote the alert rule (descriptions, runbook
    links with tokens, pasted log lines); a bundle is meant to be committed.
    """
    return {
        **alert,
        "labels": {k: redactor.redact(str(v)) for k, v in alert["labels"].items()},
        "annotations": {k: redactor.redact(str(v)) for k, v in alert["annotations"].items()},
        "generatorURL": redactor.redact(str(alert["generatorURL"])),
    }


def webhook_payload(alert: dict[str, Any], receiver: str = "agent-record") -> dict[str, Any]:
    """A v4 webhook payload carrying the one ``alert``."""
    labels = alert["labels"]
    group = {"alertname": labels.get("alertname", "")}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group["alertname"]}"}}',
        "truncatedAlerts": 0,
        "status": alert["status"],
        "receiver": receiver,
        "groupLabels": group,
        "commonLabels": labels,
        "commonAnnotations": alert["annotations"],
        "externalURL": "",
        "alerts": [alert],
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "incident"


def incident_document(
    alert: dict[str, Any], before: timedelta, after: timedelta, wall_now: datetime
) -> dict[str, Any]:
    """``incident.yaml``: now = startsAt + after (never in the future), window around it."""
    starts = parse_rfc3339(str(alert["startsAt"]))
    now = min(starts + after, wall_now)
    labels = alert["labels"]
    name = labels.get("alertname", "alert")
    service = labels.get("service") or labels.get("job") or labels.get("namespace")
    title = f"{name} firing" + (f" for {service}" if service else "")
    return {
        "id": f"{_slug(name)}-{starts:%m%d-%H%M}",
        "title": title,
        "now": format_rfc3339(now.replace(microsecond=0)),
        "window": {
            "start": format_rfc3339((starts - before).replace(microsecond=0)),
            "end": format_rfc3339(now.replace(microsecond=0)),
        },
        "alert_fingerprint": alert["fingerprint"],
        "description": "Recorded by agent record from the live backends.",
    }
