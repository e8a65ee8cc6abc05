"""A generic webhook: the report's JSON, signed with HMAC-SHA256 over timestamp and body.

Headers: ``X-Agent-Timestamp`` (Unix seconds), ``X-Agent-Signature: sha256=<hex of
HMAC(secret, "<timestamp>.<body>")>`` (the timestamp is signed so a captured request cannot be
replayed later), ``X-Agent-Delivery`` (stable per investigation and report: receivers can
deduplicate retries) and ``X-Agent-Event`` (``investigation.finished`` or
``investigation.updated``). The status-page draft is not included.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx2

from . import http
from .message import Message
from .settings import WebhookSink
from .sink import Delivered, client, secret


def signature(key: str, timestamp: str, body: bytes) -> str:
    """The ``X-Agent-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class SignedWebhook:
    """POSTs the report JSON to one URL."""

    def __init__(
        self,
        settings: WebhookSink,
        transport: httpx2.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = settings.name
        self.settings = settings
        self._key = settings.credential()
        self._http = client(settings.timeout_seconds, transport)
        self._clock = clock

    def deliver(self, message: Message, root: str | None) -> Delivered:
        """POST the signed report; the remote id is the delivery id."""
        key = secret(self.name, self._key, "HMAC key")
        event = "investigation.updated" if root else "investigation.finished"
        delivery = f"{message.investigation_id}.{message.digest}"
        body = json.dumps(
            {"event": event, "investigation_id": message.investigation_id,
             "fingerprint": message.fingerprint, "report": message.report_json},
            sort_keys=True, separators=(",", ":"),
        ).encode()  # fmt: skip
        timestamp = str(int(self._clock()))
        http.send(
            self.name, self._http, "POST", self.settings.url, content=body,
            headers={"Content-Type": "application/json", "X-Agent-Event": event,
                     "X-Agent-Delivery": delivery, "X-Agent-Timestamp": timestamp,
                     "X-Agent-Signature": signature(key, timestamp, body)},
        )  # fmt: skip
        return Delivered("updated" if root else "posted", delivery)
