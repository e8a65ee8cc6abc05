"""Webhook intake: authenticate, parse, normalise, store — then answer.

Independent of the web framework: ``Intake.handle(source, headers, body)`` returns the HTTP
status and JSON body. The alert is committed to the store before the answer, so a 2xx always
means it is durable. Bad input is a 4xx naming the problem; an internal fault (the database)
propagates and becomes a 5xx, which Alertmanager retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agent.alerts.model import Alert
from agent.config.server import ServerSettings

from .at_rest import redact_alert, redact_text
from .auth import AuthFailure, Verifier
from .metrics import Metrics
from .payloads import NORMALISERS, BadPayload, Notification, parse_json
from .store import Limits, Store


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP status and JSON body."""

    status: int
    body: dict[str, Any]


class Intake:
    """Turns webhook deliveries into stored alerts and queued investigations."""

    def __init__(
        self,
        store: Store,
        verifiers: Mapping[str, Verifier],
        settings: ServerSettings,
        metrics: Metrics,
        wake: Callable[[], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._verifiers = verifiers
        self._settings = settings
        self._metrics = metrics
        self._wake = wake
        self._clock = clock

    def refuse(self, source: str, error: BadPayload) -> Answer:
        """Answer a body refused before it reached ``handle`` (too large to read)."""
        self._metrics.inc("agent_webhook_requests_total", source=source, outcome="rejected")
        return Answer(error.status, {"error": str(error)})

    def _unauthentic(self, source: str, failure: AuthFailure) -> Answer:
        outcome = "unauthenticated" if failure.status == 401 else "forbidden"
        self._metrics.inc("agent_webhook_requests_total", source=source, outcome=outcome)
        self._store.audit("webhook_refused", source=source, reason=failure.reason)
        return Answer(failure.status, {"error": failure.reason})

    def _stale(self, notification: Notification) -> AuthFailure | None:
        # PagerDuty signs no timestamp: an old event with a valid signature may be a replay of
        # a captured delivery, so its occurred_at is held to Grafana's timestamp window.
        if notification.occurred_at is None:
            return None
        skew = self._settings.max_timestamp_skew_seconds
        age = self._clock() - notification.occurred_at
        if abs(age) <= skew:
            return None
        when = "in the future" if age < 0 else "old"
        return AuthFailure(
            403,
            f"event occurred_at is {abs(age):.0f}s {when} (more than {skew:.0f}s): refused as a replay",
        )

    def handle(self, source: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """Process one delivery from ``source`` (``alertmanager``, ``grafana``, ``pagerduty``)."""
        failure = self._verifiers[source](headers, body)
        if failure is not None:
            return self._unauthentic(source, failure)
        try:
            notification = NORMALISERS[source](parse_json(body, self._settings.max_json_depth))
        except BadPayload as error:
            return self.refuse(source, error)
        stale = self._stale(notification)
        if stale is not None:
            return self._unauthentic(source, stale)
        outcomes: dict[str, int] = {}
        investigations: list[str] = []
        alerts = [redact_alert(a) for a in notification.alerts]  # before anything stores them
        for alert in alerts:
            if alert.status == "resolved":
                outcomes["resolved"] = outcomes.get("resolved", 0) + 1
                investigations += self._store.resolve(alert)
        firing = [a for a in alerts if a.status != "resolved"]
        sender = f"{source}:{redact_text(notification.sender)}"
        limits = Limits(
            self._settings.cooldown_seconds,
            self._settings.queue_bound,
            self._settings.queue_bound_per_sender,
        )
        created = 0
        for group_key, members in _groups(notification.group_key, firing):
            admissions = self._store.admit(
                members,
                group_key,
                sender,
                limits,
                may_create=created < self._settings.max_investigations_per_payload,
            )
            for admission in admissions:
                outcomes[admission.outcome] = outcomes.get(admission.outcome, 0) + 1
                if admission.investigation_id and admission.investigation_id not in investigations:
                    investigations.append(admission.investigation_id)
            created += any(a.outcome == "created" for a in admissions)
        replayed = notification.event_id is not None and self._store.seen_event(
            source, notification.event_id
        )
        if created:
            self._wake()
        self._metrics.inc("agent_webhook_requests_total", source=source, outcome="accepted")
        return Answer(
            200,
            {
                "status": "stored",
                "alerts": len(notification.alerts),
                "outcomes": outcomes,
                "investigations": investigations,
                "ignored": notification.ignored,
                "replayed_event": replayed,
            },
        )


def _groups(group_key: str | None, alerts: list[Alert]) -> list[tuple[str, list[Alert]]]:
    # A group key makes the payload one group; without one each alert is its own group.
    if not alerts:
        return []
    if group_key:
        return [(f"group:{redact_text(group_key)}", alerts)]
    return [(f"alert:{a.fingerprint}", [a]) for a in alerts]
