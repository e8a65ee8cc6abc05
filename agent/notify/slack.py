"""Slack: ``chat.postMessage`` into the owning team's channel, updates as threaded replies.

The first post of an alert is a Block Kit summary (root cause, confidence, top evidence with
the queries behind it, severity, owner) with Approve / Reject buttons when interactions are
configured; a later investigation of the same alert replies in that post's thread. The root
post's remote id is ``<channel id>/<ts>``. Slack answers most errors with HTTP 200 and
``{"ok": false, "error": ...}``; only its transient errors are retried.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from agent.errors import DeliveryFailed

from . import http
from .message import Decision, Message
from .settings import SlackSink
from .sink import Delivered, client, secret

# Slack's own errors that a later attempt can get past.
_TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
_HEADER_CHARS = 150  # Slack's limit for a header block's text


def escape(text: str) -> str:
    """Escape Slack mrkdwn control characters, so telemetry cannot inject links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    return "`" + escape(text).replace("`", "'") + "`"


def decision_value(investigation_id: str, remediation_id: str) -> str:
    """The button value that names one remediation."""
    return json.dumps({"investigation": investigation_id, "remediation": remediation_id})


def _buttons(message: Message, decision: Decision) -> dict[str, Any]:
    value = decision_value(message.investigation_id, decision.remediation_id)
    label = f"{decision.remediation_id}: {decision.action} {decision.target} ({decision.risk} risk)"
    return {
        "type": "actions",
        "block_id": f"decide-{decision.remediation_id}",
        "elements": [
            {"type": "button", "action_id": "approve_remediation", "style": "primary",
             "text": {"type": "plain_text", "text": f"Approve {decision.remediation_id}"},
             "value": value, "accessibility_label": f"Approve {label}"},
            {"type": "button", "action_id": "reject_remediation", "style": "danger",
             "text": {"type": "plain_text", "text": f"Reject {decision.remediation_id}"},
             "value": value, "accessibility_label": f"Reject {label}"},
        ],
    }  # fmt: skip


def blocks(message: Message, *, update: bool, interactive: bool) -> list[dict[str, Any]]:
    """The Block Kit blocks of ``message``."""
    confidence = f"{message.confidence:.0%}" if message.confidence is not None else "n/a"
    title = ("Updated: " if update else "") + message.title
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:_HEADER_CHARS]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(message.summary)},
         "fields": [
             {"type": "mrkdwn", "text": f"*Severity*\n{escape(message.severity)}"},
             {"type": "mrkdwn", "text": f"*Confidence*\n{confidence}"},
             {"type": "mrkdwn", "text": f"*Owner*\n{escape(message.owner)}"},
             {"type": "mrkdwn", "text": f"*Investigation*\n{_code(message.investigation_id)}"},
         ]},
    ]  # fmt: skip
    if message.evidence:
        lines = [
            f"• {_code(e.tool)} {_code(e.query)}"
            + (f" <{e.link}|Explore>" if e.link else "")
            + f"\n   {escape(e.quote)}"
            + ("" if e.verified else " _(quote not verified)_")
            for e in message.evidence
        ]
        out.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Evidence*\n" + "\n".join(lines)},
            }
        )
    if message.report_url:
        out.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"<{message.report_url}|Full report with every query>"}]})  # fmt: skip
    if interactive:
        out.extend(_buttons(message, d) for d in message.decisions)
    return out


class SlackPoster:
    """Posts summaries with a bot token (``chat:write``)."""

    def __init__(self, settings: SlackSink, transport: httpx2.BaseTransport | None = None) -> None:
        self.name = settings.name
        self.settings = settings
        self._token = settings.credential()
        self._http = client(settings.timeout_seconds, transport)

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Call one Web API method with a JSON body; the answer when ``ok``.

        Raises:
            DeliveryFailed: HTTP error, or ``ok: false`` (retryable only for Slack's transient
                errors).
        """
        token = secret(self.name, self._token, "bot token")
        response = http.send(
            self.name, self._http, "POST", f"{self.settings.api_url.rstrip('/')}/{method}",
            json=payload, headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        answer = http.body(self.name, response)
        if answer.get("ok") is not True:
            error = str(answer.get("error", "unknown error"))
            raise DeliveryFailed(
                f"{self.name}: {method} failed: {error}", retryable=error in _TRANSIENT
            )
        return answer

    def deliver(self, message: Message, root: str | None) -> Delivered:
        """Post the summary, or reply in the thread of ``root``."""
        interactive = self.settings.signing() is not None
        payload: dict[str, Any] = {
            "text": message.title,  # the notification and screen-reader fallback
            "blocks": blocks(message, update=root is not None, interactive=interactive),
            "unfurl_links": False,
        }
        if root is not None:
            channel, _, ts = root.partition("/")
            payload |= {"channel": channel, "thread_ts": ts}
        else:
            payload["channel"] = message.channel or self.settings.default_channel
        answer = self.call("chat.postMessage", payload)
        remote = f"{answer.get('channel', payload['channel'])}/{answer.get('ts', '')}"
        return Delivered("updated" if root else "posted", remote)

    def reply(self, root: str, text: str) -> None:
        """A plain threaded reply under ``root`` (decisions taken from the buttons)."""
        channel, _, ts = root.partition("/")
        self.call("chat.postMessage", {"channel": channel, "thread_ts": ts, "text": escape(text)})

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal (``views.open``) in answer to a button click."""
        self.call("views.open", {"trigger_id": trigger_id, "view": view})
