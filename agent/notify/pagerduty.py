"""PagerDuty: a note on the incident the alert came from (``POST /incidents/{id}/notes``).

Alerts from PagerDuty's webhook carry the incident id (``pagerduty_incident``); an
Alertmanager alert can name one in an annotation or label of the same name (or
``pagerduty_incident_id``). Without one there is nothing to annotate: the delivery is skipped.
Notes cannot be edited, so an update is another note.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx2

from . import http
from .message import Message
from .settings import PagerDutySink
from .sink import Delivered, client, secret

_NOTE_CHARS = 25000  # PagerDuty's limit on a note's content


def note_text(message: Message, update: bool) -> str:
    """The note: the summary, the evidence with its queries, the link to the full report."""
    lines = [("Updated: " if update else "") + message.title, "", message.summary]
    if message.confidence is not None:
        lines.append(f"Confidence {message.confidence:.0%}; owner {message.owner}.")
    for e in message.evidence:
        lines.append(f"- {e.tool}: {e.query} -> {e.quote}")
    if message.report_url:
        lines.append(f"Full report: {message.report_url}")
    return "\n".join(lines)[:_NOTE_CHARS]


class PagerDutyNotes:
    """Adds notes with a REST API key (``Token token=...``) on behalf of ``from_email``."""

    def __init__(
        self, settings: PagerDutySink, transport: httpx2.BaseTransport | None = None
    ) -> None:
        self.name = settings.name
        self.settings = settings
        self._token = settings.credential()
        self._http = client(settings.timeout_seconds, transport)

    def deliver(self, message: Message, root: str | None) -> Delivered:
        """Add a note to the alert's incident; skipped when the alert names none."""
        incident = message.pagerduty_incident
        if not incident:
            return Delivered("skipped")
        token = secret(self.name, self._token, "API key")
        url = f"{self.settings.api_url.rstrip('/')}/incidents/{quote(incident, safe='')}/notes"
        response = http.send(
            self.name, self._http, "POST", url,
            json={"note": {"content": note_text(message, root is not None)}},
            headers={"Authorization": f"Token token={token}", "From": self.settings.from_email,
                     "Accept": "application/vnd.pagerduty+json;version=2"},
        )  # fmt: skip
        note = http.body(self.name, response).get("note")
        note_id = str(note.get("id", "")) if isinstance(note, dict) else ""
        return Delivered("updated" if root else "posted", f"{incident}/{note_id}")
