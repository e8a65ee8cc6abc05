"""The one-method contract every sink implements, and building the sinks from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import httpx2

from agent.errors import DeliveryFailed, SecretUnavailable
from agent.secretfile import Secret

from .message import Message
from .settings import NotifySettings, SinkSettings

Outcome = Literal["posted", "updated", "skipped"]


@dataclass(frozen=True, slots=True)
class Delivered:
    """What a sink did: a new post, an update of the conversation's root, or nothing to do."""

    outcome: Outcome
    remote_id: str = ""
    url: str = ""


class Sink(Protocol):
    """Delivers messages to one destination."""

    name: str

    def deliver(self, message: Message, root: str | None) -> Delivered:
        """Post ``message``; with ``root`` (an earlier post's remote id) update or thread.

        Raises:
            DeliveryFailed: the destination refused or could not be reached.
        """
        ...


def secret(sink: str, source: Secret | None, what: str = "secret") -> str:
    """A sink's secret value.

    Raises:
        DeliveryFailed: not configured or unreadable (permanent until someone fixes it).
    """
    if source is None:
        raise DeliveryFailed(
            f"{sink}: no {what} configured (secret_file or secret_env)", retryable=False
        )
    try:
        return source.get(f"{sink} {what}")
    except SecretUnavailable as exc:
        # A Secret volume can be briefly missing while it is being replaced.
        raise DeliveryFailed(str(exc), retryable=True) from None


def client(timeout: float, transport: httpx2.BaseTransport | None = None) -> httpx2.Client:
    """The HTTP client sinks post with (``transport`` for tests)."""
    return httpx2.Client(timeout=timeout, transport=transport, follow_redirects=False)


def build_sinks(settings: NotifySettings) -> list[Sink]:
    """One sink object per configured entry, in configuration order."""
    return [build_sink(entry) for entry in settings.sinks]


def build_sink(entry: SinkSettings) -> Sink:
    """The sink for one configured entry."""
    from .email import EmailSender
    from .github import GitHubIssues
    from .jira import JiraIssues
    from .pagerduty import PagerDutyNotes
    from .slack import SlackPoster
    from .webhook import SignedWebhook

    if entry.type == "slack":
        return SlackPoster(entry)
    if entry.type == "pagerduty":
        return PagerDutyNotes(entry)
    if entry.type == "github":
        return GitHubIssues(entry)
    if entry.type == "jira":
        return JiraIssues(entry)
    if entry.type == "email":
        return EmailSender(entry)
    return SignedWebhook(entry)
