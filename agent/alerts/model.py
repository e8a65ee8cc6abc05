"""One alert model for every source (Alertmanager, Grafana, PagerDuty), keyed by fingerprint."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from agent.timeutil import parse_rfc3339

from .fingerprint import fingerprint

# Alertmanager's "no end time" marker for firing alerts.
_ZERO_TIME = "0001-01-01T00:00:00Z"


class Alert(BaseModel):
    """A normalised alert: what the investigation starts from."""

    model_config = ConfigDict(frozen=True)

    fingerprint: str
    status: str = "firing"
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    generator_url: str | None = None
    source: str = "alertmanager"
    # The other alerts of its notification group (Alertmanager's groupKey), when it was
    # investigated as one; they share its incident and are context, not separate runs.
    group: tuple[Alert, ...] = ()
    group_omitted: int = 0  # further alerts of the group left out of ``group`` (a storm)

    @property
    def name(self) -> str:
        """The ``alertname`` label, or ``"(unnamed)"``."""
        return self.labels.get("alertname", "(unnamed)")

    @property
    def namespace(self) -> str | None:
        """The namespace the alert is about, if its labels say."""
        return self.labels.get("namespace") or self.labels.get("kubernetes_namespace")

    @property
    def expression(self) -> str | None:
        """The rule's PromQL, from the ``g0.expr`` parameter of ``generatorURL``."""
        if not self.generator_url:
            return None
        values = parse_qs(urlparse(self.generator_url).query).get("g0.expr")
        return values[0] if values else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    return parse_rfc3339(value)


def alert_from_alertmanager(item: Mapping[str, Any], source: str = "alertmanager") -> Alert:
    """Build an ``Alert`` from a webhook alert or a v2 API ``gettableAlert``.

    Raises:
        ValueError: the item has no labels or no start time.
    """
    labels = item.get("labels")
    if not isinstance(labels, dict):
        raise ValueError("alert has no labels")
    starts = _time(item.get("startsAt"))
    if starts is None:
        raise ValueError("alert has no startsAt")
    status = item.get("status")
    if isinstance(status, dict):  # v2 API: {"state": "active" | "suppressed" | ...}
        status = (
            "firing"
            if status.get("state") in {"active", "unprocessed", "suppressed"}
            else "resolved"
        )
    fp = item.get("fingerprint") or fingerprint(labels)
    return Alert(
        fingerprint=str(fp),
        status=str(status or "firing"),
        labels={str(k): str(v) for k, v in labels.items()},
        annotations={str(k): str(v) for k, v in (item.get("annotations") or {}).items()},
        starts_at=starts,
        ends_at=_time(item.get("endsAt")),
        generator_url=item.get("generatorURL") or None,
        source=source,
    )
