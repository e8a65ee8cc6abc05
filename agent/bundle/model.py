"""The data of a recorded incident bundle, as the replay servers and the agent see it.

The on-disk format is documented in ``fixtures/README.md``. ``truth.yaml`` is modelled here
(``Truth``) but loaded only by ``agent.bundle.truth``; the replay code never reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Category = Literal[
    "deployment",
    "configuration",
    "resource",
    "dependency",
    "network",
    "capacity",
    "infrastructure",
    "code",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """The span of recorded telemetry."""

    start: AwareDatetime
    end: AwareDatetime


class Incident(_Strict):
    """``incident.yaml``: what the incident is and when the investigation runs."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    title: str = Field(min_length=1)
    now: AwareDatetime
    window: Window
    alert_fingerprint: str = Field(pattern=r"^[0-9a-f]{16}$")
    description: str | None = None


class CatalogService(_Strict):
    """One service of the optional service catalogue."""

    name: str
    namespace: str | None = None
    owner: str | None = None
    team_channel: str | None = None
    dependencies: list[str] = Field(default_factory=list)
    runbook_url: str | None = None
    slo: str | None = None
    # The public status page's name for what customers see of this service.
    status_page_component: str | None = None


class Catalog(_Strict):
    """``catalog.yaml``: the optional service catalogue."""

    services: list[CatalogService] = Field(default_factory=list)


class RootCause(_Strict):
    """The true root cause of a recorded incident."""

    component: str = Field(min_length=1)
    category: Category
    summary: str = Field(min_length=1)


class Truth(_Strict):
    """``truth.yaml``: the ground truth, never served to the agent."""

    root_cause: RootCause
    aliases: list[str] = Field(default_factory=list)
    key_evidence: list[str] = Field(default_factory=list)
    remediation: str | None = None


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log line of ``logs.jsonl``: nanosecond timestamp, stream labels, raw line."""

    ts_ns: int
    labels: dict[str, str]
    line: str


@dataclass(frozen=True, slots=True)
class Bundle:
    """A loaded bundle, everything but the truth.

    Absent optional files load as empty collections (``metrics_path`` is then ``None``).
    """

    path: Path
    incident: Incident
    alert_payload: dict[str, Any]
    metrics_path: Path | None = None
    logs: list[LogRecord] = field(default_factory=list)
    k8s_objects: list[dict[str, Any]] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    catalog: Catalog = field(default_factory=Catalog)

    @property
    def now(self) -> datetime:
        """The moment the investigation runs; replays never use the wall clock."""
        return self.incident.now
