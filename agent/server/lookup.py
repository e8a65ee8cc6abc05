"""The alerts ``agent serve`` received, as an ``AlertSource`` for ``agent investigate <id>``."""

from __future__ import annotations

from dataclasses import dataclass

from agent.alerts.model import Alert

from .store import Store


@dataclass
class StoreAlertSource:
    """Looks a fingerprint up among the alerts stored by the webhook server."""

    store: Store

    @property
    def description(self) -> str:
        """Where this source looks."""
        return f"alerts received by agent serve ({self.store.description})"

    def find(self, fingerprint: str) -> Alert | None:
        """The most recently received alert with ``fingerprint``."""
        return self.store.find_alert(fingerprint)
