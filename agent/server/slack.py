"""Slack's Approve / Reject buttons, back at ``POST /slack/interactions``, through the gate.

Every request is verified with the Slack app's signing secret: ``X-Slack-Signature`` is
``v0=`` + HMAC-SHA256(secret, ``v0:<X-Slack-Request-Timestamp>:<raw body>``) and the timestamp
must be recent (a captured click cannot be replayed). A click opens a modal (``views.open``)
asking the approver to type the target's ``namespace/name``; the submitted modal goes to the
same ``Approvals`` as ``POST .../approve`` and ``agent approve``, with the approver's identity
taken from Slack (``slack:<user id>``), never from anything they typed, and only for users on
the sink's ``approvers`` allowlist. The outcome is posted in the incident's thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from agent.errors import DeliveryFailed, SecretUnavailable
from agent.notify.outbox import Outbox
from agent.notify.slack import SlackPoster, escape

from .approvals import ApiError, Approvals
from .store import Store

log = logging.getLogger(__name__)

_APPROVE, _REJECT = "approve_remediation", "reject_remediation"


@dataclass(frozen=True, slots=True)
class SlackAnswer:
    """The HTTP answer to one interaction (Slack wants it within 3 seconds)."""

    status: int
    body: dict[str, Any]


def verify(
    poster: SlackPoster, headers: Mapping[str, str], body: bytes, now: float, skew: float
) -> bool:
    """Whether ``body`` was signed by Slack with ``poster``'s signing secret, recently."""
    source = poster.settings.signing()
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if source is None or not timestamp.isdigit() or abs(now - int(timestamp)) > skew:
        return False
    try:
        key = source.get("Slack signing secret")
    except SecretUnavailable:
        log.warning("Slack signing secret of %s is unreadable", poster.name)
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(key.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _modal(verb: str, value: str, target: str, remediation: str) -> dict[str, Any]:
    approve = verb == _APPROVE
    prompt = (
        f"Type *{escape(target)}* to approve {escape(remediation)}. It runs through the same "
        "gate as `agent approve`: scope, single use and the state it was proposed against."
        if approve
        else f"Reject {escape(remediation)} on *{escape(target)}*? It can then never be approved."
    )
    field = (
        {"type": "input", "block_id": "confirm", "label": {"type": "plain_text", "text": "Target"},
         "element": {"type": "plain_text_input", "action_id": "target",
                     "placeholder": {"type": "plain_text", "text": "namespace/name"}}}
        if approve
        else {"type": "input", "block_id": "reason", "optional": True,
              "label": {"type": "plain_text", "text": "Reason"},
              "element": {"type": "plain_text_input", "action_id": "reason"}}
    )  # fmt: skip
    return {
        "type": "modal",
        "callback_id": verb,
        "private_metadata": value,
        "title": {"type": "plain_text", "text": "Approve remediation" if approve else "Reject"},
        "submit": {"type": "plain_text", "text": "Approve" if approve else "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": prompt}}, field],
    }


class SlackInteractions:
    """Handles verified interaction payloads for the configured Slack sinks."""

    def __init__(
        self,
        posters: list[SlackPoster],
        approvals: Approvals,
        outbox: Outbox,
        store: Store,
        clock: Callable[[], float],
        max_skew_seconds: float = 300.0,
    ) -> None:
        self._posters = [p for p in posters if p.settings.signing() is not None]
        self._approvals = approvals
        self._outbox = outbox
        self._store = store
        self._clock = clock
        self._skew = max_skew_seconds

    @property
    def configured(self) -> bool:
        """Whether any Slack sink has a signing secret (else every request is refused)."""
        return bool(self._posters)

    def _target(self, investigation: str, remediation: str) -> str | None:
        row = self._store.get(investigation)
        found = row.report.remediation(remediation) if row and row.report else None
        return f"{found.target.namespace}/{found.target.name}" if found else None

    def handle(self, headers: Mapping[str, str], body: bytes) -> SlackAnswer:
        """Verify and act on one interaction request."""
        now = self._clock()
        poster = next((p for p in self._posters if verify(p, headers, body, now, self._skew)), None)
        if poster is None:
            return SlackAnswer(401, {"error": "invalid or stale Slack signature"})
        try:
            payload = json.loads(parse_qs(body.decode()).get("payload", [""])[0])
        except (ValueError, UnicodeDecodeError):
            return SlackAnswer(400, {"error": "expected a form field 'payload' holding JSON"})
        if not isinstance(payload, dict):
            return SlackAnswer(400, {"error": "payload must be a JSON object"})
        user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
        user_id = str(user.get("id", "")) if isinstance(user, dict) else ""
        if payload.get("type") == "block_actions":
            return self._clicked(poster, payload, user_id)
        if payload.get("type") == "view_submission":
            return self._submitted(poster, payload, user_id)
        return SlackAnswer(200, {})  # other interaction types are not ours to act on

    def _clicked(self, poster: SlackPoster, payload: dict[str, Any], user: str) -> SlackAnswer:
        actions = payload.get("actions") or [{}]
        action = actions[0] if isinstance(actions[0], dict) else {}
        verb, value = action.get("action_id"), str(action.get("value", ""))
        names = _names(value)
        if verb not in (_APPROVE, _REJECT) or names is None:
            return SlackAnswer(200, {})
        if user not in poster.settings.approvers:
            self._tell(poster, payload, user, "you are not on this agent's approver list")
            return SlackAnswer(200, {})
        target = self._target(*names) or "the target"
        try:
            poster.open_view(
                str(payload.get("trigger_id", "")), _modal(verb, value, target, names[1])
            )
        except DeliveryFailed as exc:
            log.warning("cannot open the Slack modal: %s", exc)
        return SlackAnswer(200, {})

    def _submitted(self, poster: SlackPoster, payload: dict[str, Any], user: str) -> SlackAnswer:
        view = payload.get("view") if isinstance(payload.get("view"), dict) else {}
        assert isinstance(view, dict)
        verb = view.get("callback_id")
        names = _names(str(view.get("private_metadata", "")))
        if verb not in (_APPROVE, _REJECT) or names is None:
            return SlackAnswer(200, {})
        block = "confirm" if verb == _APPROVE else "reason"
        if user not in poster.settings.approvers:
            return _field_error(block, "You are not on this agent's approver list.")
        investigation, remediation = names
        typed = _typed(view, block)
        approver = f"slack:{user}"
        try:
            if verb == _APPROVE:
                answer = self._approvals.approve(investigation, remediation, approver, typed, False)
                said = f"{remediation} approved by <@{user}>: {answer['decision']} " \
                       f"{answer['request']['method']} {answer['request']['path']}"  # fmt: skip
            else:
                self._approvals.reject(investigation, remediation, approver, typed)
                said = f"{remediation} rejected by <@{user}>" + (f": {typed}" if typed else "")
        except ApiError as exc:
            return _field_error(block, str(exc)[:2000])
        root = self._outbox.root_of(poster.name, investigation)
        if root is not None:
            try:
                poster.reply(root, said)
            except DeliveryFailed as exc:
                log.warning("cannot post the decision in Slack: %s", exc)
        return SlackAnswer(200, {"response_action": "clear"})

    def _tell(self, poster: SlackPoster, payload: dict[str, Any], user: str, text: str) -> None:
        channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not channel_id:
            return
        try:
            poster.call("chat.postEphemeral", {"channel": channel_id, "user": user, "text": text})
        except DeliveryFailed as exc:
            log.warning("cannot answer a Slack click: %s", exc)


def _names(value: str) -> tuple[str, str] | None:
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    investigation, remediation = data.get("investigation"), data.get("remediation")
    if not isinstance(investigation, str) or not isinstance(remediation, str):
        return None
    return investigation, remediation


def _typed(view: dict[str, Any], block: str) -> str:
    values = view.get("state", {}).get("values", {})
    field = values.get(block, {}) if isinstance(values, dict) else {}
    for element in field.values() if isinstance(field, dict) else ():
        if isinstance(element, dict) and isinstance(element.get("value"), str):
            return str(element["value"]).strip()
    return ""


def _field_error(block: str, message: str) -> SlackAnswer:
    return SlackAnswer(200, {"response_action": "errors", "errors": {block: message}})
