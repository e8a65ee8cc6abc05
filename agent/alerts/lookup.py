"""Find an alert by its fingerprint, in order, across the places alerts come from.

Sources are tried in order: alerts received by ``agent serve`` (its store, when configured)
and then the configured Alertmanager's ``/api/v2/alerts``. An unknown fingerprint is a usage
error that names every place looked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from agent.errors import BackendError, ConfigError
from tools.clients.alertmanager import AlertmanagerReader

from .model import Alert, alert_from_alertmanager


class AlertSource(Protocol):
    """Somewhere alerts can be looked up by fingerprint."""

    @property
    def description(self) -> str:
        """Where this source looks, for error messages."""
        ...

    def find(self, fingerprint: str) -> Alert | None:
        """The alert with ``fingerprint``, or ``None``."""
        ...


@dataclass
class AlertmanagerSource:
    """The Alertmanager v2 API (matched client-side: it has no get-by-fingerprint)."""

    reader: AlertmanagerReader
    url: str

    @property
    def description(self) -> str:
        """Where this source looks."""
        return f"Alertmanager at {self.url}"

    def find(self, fingerprint: str) -> Alert | None:
        """Look the alert up among the active alerts."""
        item = self.reader.find(fingerprint)
        return alert_from_alertmanager(item) if item is not None else None


def find_alert(fingerprint: str, sources: Sequence[AlertSource]) -> Alert:
    """The alert with ``fingerprint`` from the first source that has it.

    Raises:
        ConfigError: no source has it, or none is configured (the message names where it looked).
    """
    if not sources:
        raise ConfigError(
            f"cannot look up alert {fingerprint}: no Alertmanager configured "
            "(set AGENT_ALERTMANAGER_URL, or use --replay BUNDLE)"
        )
    looked: list[str] = []
    for source in sources:
        try:
            found = source.find(fingerprint)
        except BackendError as exc:
            looked.append(f"{source.description} (unavailable: {exc})")
            continue
        if found is not None:
            return found
        looked.append(source.description)
    raise ConfigError(f"unknown alert id {fingerprint}: looked in {'; '.join(looked)}")
