"""Jira (REST API v2): one issue per alert, its summary and description edited on updates.

``POST /rest/api/2/issue`` creates it (project, issue type, labels, the root-cause component
as a label); ``PUT /rest/api/2/issue/{key}`` edits it (204). v2 takes the description as wiki
text, so the report's Markdown is sent as preformatted text. The remote id is the issue key.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx2

from . import http
from .message import Message
from .settings import JiraSink
from .sink import Delivered, client, secret

_DESCRIPTION_CHARS = 32000  # Jira's limit is 32767 characters


def _description(message: Message) -> str:
    link = f"\n\nLive report: {message.report_url}" if message.report_url else ""
    text = message.markdown.replace("{noformat}", "{ noformat}")
    return ("{noformat}\n" + text + "\n{noformat}" + link)[:_DESCRIPTION_CHARS]


class JiraIssues:
    """Creates and edits issues; basic auth (email + API token) or a bearer access token."""

    def __init__(self, settings: JiraSink, transport: httpx2.BaseTransport | None = None) -> None:
        self.name = settings.name
        self.settings = settings
        self._token = settings.credential()
        self._http = client(settings.timeout_seconds, transport)

    def _auth(self) -> str:
        token = secret(self.name, self._token, "API token")
        if self.settings.email:
            pair = f"{self.settings.email}:{token}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return f"Bearer {token}"

    def deliver(self, message: Message, root: str | None) -> Delivered:
        """Create the issue, or edit issue ``root``."""
        headers = {"Authorization": self._auth(), "Accept": "application/json"}
        base = f"{self.settings.api_url.rstrip('/')}/rest/api/2/issue"
        fields: dict[str, Any] = {
            "summary": message.title[:250],
            "description": _description(message),
        }
        if root is not None:
            http.send(
                self.name,
                self._http,
                "PUT",
                f"{base}/{root}",
                json={"fields": fields},
                headers=headers,
            )
            return Delivered("updated", root)
        labels = [label.replace(" ", "-") for label in [*self.settings.labels, *message.labels]]
        fields |= {
            "project": {"key": self.settings.project},
            "issuetype": {"name": self.settings.issue_type},
            "labels": list(dict.fromkeys(labels)),
        }
        response = http.send(
            self.name, self._http, "POST", base, json={"fields": fields}, headers=headers
        )
        key = str(http.body(self.name, response).get("key", ""))
        return Delivered("posted", key)
