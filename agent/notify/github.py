"""GitHub: one issue per alert, its body edited when a later investigation changes the report.

``POST /repos/{owner}/{repo}/issues`` creates it with the report in Markdown and labels
(configured ones plus the root-cause component); ``PATCH .../issues/{number}`` updates it.
The remote id is the issue number.
"""

from __future__ import annotations

import httpx2

from . import http
from .message import Message
from .settings import GitHubSink
from .sink import Delivered, client, secret

_BODY_CHARS = 65000  # GitHub's limit is 65536 characters


def issue_body(message: Message) -> str:
    """The issue body: the full report, with a link to the live one."""
    link = f"\n\n[Live report]({message.report_url})" if message.report_url else ""
    return (message.markdown + link)[:_BODY_CHARS]


class GitHubIssues:
    """Creates and edits issues with a token that has ``issues: write`` on one repository."""

    def __init__(self, settings: GitHubSink, transport: httpx2.BaseTransport | None = None) -> None:
        self.name = settings.name
        self.settings = settings
        self._token = settings.credential()
        self._http = client(settings.timeout_seconds, transport)

    def deliver(self, message: Message, root: str | None) -> Delivered:
        """Open the issue, or edit issue ``root``."""
        token = secret(self.name, self._token, "token")
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        base = f"{self.settings.api_url.rstrip('/')}/repos/{self.settings.repository}/issues"
        fields = {"title": message.title, "body": issue_body(message)}
        if root is None:
            labels = list(dict.fromkeys([*self.settings.labels, *message.labels]))
            response = http.send(
                self.name,
                self._http,
                "POST",
                base,
                json=fields | {"labels": labels},
                headers=headers,
            )
        else:
            response = http.send(
                self.name, self._http, "PATCH", f"{base}/{root}", json=fields, headers=headers
            )
        answer = http.body(self.name, response)
        number = str(answer.get("number", root or ""))
        return Delivered("updated" if root else "posted", number, str(answer.get("html_url", "")))
