"""Real-shaped webhook payloads of Alertmanager (v4), Grafana (v1) and PagerDuty (V3), signed.

Shapes follow the upstream sources: Alertmanager ``notify/webhook`` Message, Grafana's
``webhookMessage`` and PagerDuty's V3 event envelope.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

STARTS = "2024-05-01T11:58:00Z"


def am_alert(
    name: str = "CheckoutHighErrorRate",
    status: str = "firing",
    starts: str = STARTS,
    fingerprint: str | None = None,
    **labels: str,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "status": status,
        "labels": {"alertname": name, "namespace": "shop", "service": "checkout", **labels},
        "annotations": {"summary": f"{name} is firing", "runbook_url": "https://runbooks/x"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2024-05-01T12:30:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=rate%28http_requests_total%5B5m%5D%29",
    }
    if fingerprint is not None:
        item["fingerprint"] = fingerprint
    return item


def alertmanager(*alerts: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    alerts = alerts or (am_alert(),)
    return {
        "version": "4",
        "groupKey": '{}/{severity="critical"}:{alertname="'
        + alerts[0]["labels"]["alertname"]
        + '"}',
        "truncatedAlerts": 0,
        "status": status
        or ("firing" if any(a["status"] == "firing" for a in alerts) else "resolved"),
        "receiver": "incident-agent",
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
        "commonLabels": dict(alerts[0]["labels"]),
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def grafana(fingerprint: str | None = "a1b2c3d4e5f60718", status: str = "firing") -> dict[str, Any]:
    alert = am_alert("GrafanaLatency", status=status) | {
        "silenceURL": "http://grafana/alerting/silence/new",
        "dashboardURL": "http://grafana/d/abc",
        "panelURL": "http://grafana/d/abc?viewPanel=2",
        "values": {"B": 44.2, "C": 1},
        "valueString": "[ var='B' labels={} value=44.2 ]",
        "generatorURL": "http://grafana/alerting/grafana/rule-uid/view",
    }
    if fingerprint is None:
        alert.pop("fingerprint", None)
    else:
        alert["fingerprint"] = fingerprint
    return {
        "receiver": "incident-agent",
        "status": status,
        "orgId": 1,
        "alerts": [alert],
        "groupLabels": {"alertname": "GrafanaLatency"},
        "commonLabels": dict(alert["labels"]),
        "commonAnnotations": {},
        "externalURL": "http://grafana/",
        "version": "1",
        "groupKey": '{}:{alertname="GrafanaLatency"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] GrafanaLatency",
        "state": "alerting" if status == "firing" else "ok",
        "message": "**Firing**\nValue: B=44.2",
    }


def pagerduty(
    event_type: str = "incident.triggered",
    event_id: str = "01DEN4HPBQAD",
    occurred_at: str | None = None,
) -> dict[str, Any]:
    """A V3 event; ``occurred_at`` defaults to now (older events are refused as replays)."""
    if occurred_at is None:
        occurred_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "event": {
            "id": event_id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at,
            "agent": {
                "html_url": "https://acme.pagerduty.com/users/PLH1HKV",
                "id": "PLH1HKV",
                "self": "https://api.pagerduty.com/users/PLH1HKV",
                "summary": "Tenex Engineer",
                "type": "user_reference",
            },
            "client": None,
            "data": {
                "id": "PGR0VU2",
                "type": "incident",
                "self": "https://api.pagerduty.com/incidents/PGR0VU2",
                "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
                "number": 2,
                "status": "triggered" if event_type != "incident.resolved" else "resolved",
                "incident_key": "d3640fbd41094207a1c11e58e46b1662",
                "created_at": "2024-05-01T11:58:30Z",
                "title": "Checkout latency above SLO",
                "service": {
                    "html_url": "https://acme.pagerduty.com/services/PF9KMXH",
                    "id": "PF9KMXH",
                    "self": "https://api.pagerduty.com/services/PF9KMXH",
                    "summary": "checkout",
                    "type": "service_reference",
                },
                "assignees": [],
                "escalation_policy": {
                    "id": "PUS0KTE",
                    "type": "escalation_policy_reference",
                    "summary": "Default",
                },
                "teams": [],
                "priority": None,
                "urgency": "high",
                "conference_bridge": None,
                "resolve_reason": None,
            },
        }
    }


def body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def grafana_headers(secret: str, raw: bytes, timestamp: str | None = None) -> dict[str, str]:
    if timestamp is None:
        return {"X-Grafana-Alerting-Signature": hex_hmac(secret, raw)}
    return {
        "X-Grafana-Alerting-Signature": hex_hmac(secret, timestamp.encode() + b":" + raw),
        "X-Grafana-Alerting-Timestamp": timestamp,
    }


def pagerduty_headers(raw: bytes, *secrets: str) -> dict[str, str]:
    return {"X-PagerDuty-Signature": ",".join(f"v1={hex_hmac(s, raw)}" for s in secrets)}
