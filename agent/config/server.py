"""``server:``: ``agent serve``'s webhook credentials, readers, approvers, limits and store."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ConsoleSettings(BaseModel):
    """The web console: where evidence links lead (Grafana Explore, when configured)."""

    model_config = ConfigDict(extra="forbid")

    grafana_url: str | None = None  # e.g. https://grafana.example.com
    # Data source uid per backend ("prometheus", "loki") for Explore links to each query.
    grafana_datasources: dict[Literal["prometheus", "loki"], str] = Field(default_factory=dict)

    @field_validator("grafana_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"grafana_url must be an http(s) URL, got {value!r}")
        return value.rstrip("/") if value else value


class ServerSettings(BaseModel):
    """``agent serve``: webhook credentials, approvers, limits and where investigations live."""

    model_config = ConfigDict(extra="forbid")

    alertmanager_tokens: list[str] = Field(default_factory=list, repr=False)
    grafana_secret: str | None = Field(default=None, repr=False)
    grafana_signature_header: str = "X-Grafana-Alerting-Signature"
    # Signed timestamps are checked unless this is set to null (the body alone is signed).
    grafana_timestamp_header: str | None = "X-Grafana-Alerting-Timestamp"
    # Grafana's other documented options: the contact point's Authorization header (bearer)
    # and its HTTP Basic credentials (user -> password).
    grafana_tokens: list[str] = Field(default_factory=list, repr=False)
    grafana_basic_auth: dict[str, str] = Field(default_factory=dict, repr=False)
    pagerduty_secrets: list[str] = Field(default_factory=list, repr=False)
    # Bearer token -> approver identity; kept apart from every webhook credential.
    approver_tokens: dict[str, str] = Field(default_factory=dict, repr=False)
    # Bearer token -> viewer identity: may read investigations, reports, metrics and the console.
    viewer_tokens: dict[str, str] = Field(default_factory=dict, repr=False)
    executor_kubeconfig: Path | None = None
    executor_context: str | None = None
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_json_depth: int = Field(default=32, ge=2)
    # How far a signed Grafana timestamp or a PagerDuty event's occurred_at may be from now.
    max_timestamp_skew_seconds: float = Field(default=300.0, gt=0)
    cooldown_seconds: float = Field(default=6 * 3600.0, ge=0)
    concurrency: int = Field(default=2, ge=1)
    queue_bound: int = Field(default=100, ge=1)
    # Queued investigations one sender (source and sending instance) may hold at once.
    queue_bound_per_sender: int = Field(default=25, ge=1)
    # Global spend ceilings across investigations (None: no ceiling), and what a new
    # investigation does over one: run with the offline investigator, or wait in the queue.
    spend_hourly_usd: float | None = Field(default=20.0, gt=0)
    spend_daily_usd: float | None = Field(default=100.0, gt=0)
    spend_hourly_tokens: int | None = Field(default=None, gt=0)
    spend_daily_tokens: int | None = Field(default=None, gt=0)
    over_spend_ceiling: Literal["offline", "wait"] = "offline"
    # Server-wide limits across investigations, per sliding window: executable remediation
    # proposals offered (more are withheld) and approvals carried out (more wait: 429).
    proposals_per_window: int = Field(default=20, ge=1)
    approvals_per_window: int = Field(default=10, ge=1)
    rate_window_seconds: float = Field(default=600.0, gt=0)
    # Investigations one payload without a group key (each alert its own group) may start.
    max_investigations_per_payload: int = Field(default=5, ge=1)
    db_path: Path | None = None  # default: <state_dir>/server.db
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    # postgresql://user:password@host:5432/dbname — several replicas share it; unset: SQLite.
    database_url: str | None = Field(default=None, repr=False)
    database_pool_size: int = Field(default=10, ge=2)
    # A replica renews its leases every third of this; a dead one's work moves after it.
    lease_seconds: float = Field(default=30.0, ge=1.0)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        # Only the scheme is named: the URL itself may hold a password.
        if value and not value.startswith(("postgresql://", "postgres://")):
            scheme = value.split("://", 1)[0] if "://" in value else "(none)"
            raise ValueError(
                f"database_url must be a postgresql:// URL (got scheme {scheme}); "
                "leave it unset for SQLite (server.db_path)"
            )
        return value or None
