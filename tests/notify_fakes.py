"""A finished report and its alert, and fake notification APIs speaking the documented shapes."""

from __future__ import annotations

import hashlib
import itertools
import threading
from datetime import UTC, datetime
from typing import Any

from loopback_http import Answer, Seen

from agent.alerts.model import Alert
from agent.report.model import Report

NOW = datetime(2025, 4, 12, 10, 30, tzinfo=UTC)
FINGERPRINT = "0123456789abcdef"


def alert(**annotations: str) -> Alert:
    return Alert(
        fingerprint=FINGERPRINT,
        labels={"alertname": "CheckoutHighErrorRate", "severity": "critical", "service": "checkout",
                "namespace": "shop"},
        annotations=annotations,
        starts_at=NOW,
    )  # fmt: skip


def report(
    investigation_id: str = "inv-1", summary: str = "Bad rollout of checkout v2.3.1"
) -> Report:
    return Report.model_validate({
        "investigation_id": investigation_id,
        "alert": {"fingerprint": FINGERPRINT, "name": "CheckoutHighErrorRate",
                  "labels": {"service": "checkout"}},
        "status": "complete", "brain": "offline",
        "root_cause": {"component": "checkout", "category": "deployment", "summary": summary,
                       "confidence": 0.82},
        "hypotheses": [{
            "id": "H1", "component": "checkout", "category": "deployment", "statement": summary,
            "status": "supported", "confidence": 0.82,
            "evidence": [{"tool_call_id": "c1", "tool": "query_logs",
                          "query": '{namespace="shop", app="checkout"} |= "error"',
                          "quote": "payment <failed> & token=sk_live_abcdefghijklmnop1234",
                          "verified": True}],
        }],
        "remediations": [{"id": "R1", "action": "rollback_deployment",
                          "target": {"kind": "Deployment", "namespace": "shop", "name": "checkout"},
                          "params": {"to_revision": 4}, "rationale": "revert", "risk": "low"}],
        "escalation": [{"service": "checkout", "owner": "payments@example.com",
                        "team_channel": "C0PAYMENTS"}],
        "status_page": {"title": "Checkout degraded", "body": "Some payments fail."},
        "started_at": NOW, "finished_at": NOW,
    })  # fmt: skip


class FakeSlack:
    """chat.postMessage, chat.postEphemeral and views.open, as the Web API answers them."""

    def __init__(self, token: str = "xoxb-test-token") -> None:
        self.token = token
        self.posts: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.ephemeral: list[dict[str, Any]] = []
        self.fail_next: list[Answer] = []
        self._ts = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, seen: Seen) -> Answer:
        with self._lock:
            if self.fail_next:
                return self.fail_next.pop(0)
            if seen.headers.get("authorization") != f"Bearer {self.token}":
                return Answer(200, {"ok": False, "error": "invalid_auth"})
            body = seen.json()
            if seen.path == "/api/chat.postMessage":
                channel = str(body.get("channel", ""))
                if channel.startswith("#"):  # a name: Slack answers with the channel's id
                    channel = "C" + hashlib.sha256(channel.encode()).hexdigest()[:8].upper()
                if not channel.startswith("C"):
                    return Answer(200, {"ok": False, "error": "channel_not_found"})
                ts = f"1712917800.{next(self._ts):06d}"
                self.posts.append(body | {"ts": ts})
                return Answer(200, {"ok": True, "channel": channel, "ts": ts,
                                    "message": {"text": body.get("text")}})  # fmt: skip
            if seen.path == "/api/views.open":
                self.views.append(body)
                return Answer(200, {"ok": True, "view": {"id": "V1"}})
            if seen.path == "/api/chat.postEphemeral":
                self.ephemeral.append(body)
                return Answer(200, {"ok": True, "message_ts": "1.1"})
            return Answer(404, {"ok": False, "error": "unknown_method"})
