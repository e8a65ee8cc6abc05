"""``Settings``: all settings of one agent process, and the sections without a module of their own.

Precedence, lowest first: these defaults, the YAML config file, environment variables
(``agent.config.load``).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent.notify.settings import NotifySettings

from .backends import BackendSettings
from .server import ServerSettings


class ModelSettings(BaseModel):
    """The Claude model and its prices (USD per million tokens)."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = Field(default=None, repr=False)
    model: str = "claude-sonnet-5-5"
    input_price: float = 2.0
    output_price: float = 10.0
    cache_write_multiplier: float = 1.25
    cache_read_multiplier: float = 0.1
    # A second model to ask when the first one refuses (stop_reason "refusal"); none by default.
    fallback_model: str | None = None
    max_output_tokens: int = 4096
    # A turn cut off at max_tokens is retried with twice the limit, up to this cap.
    max_output_tokens_cap: int = 16_384
    context_window: int = 200_000
    # Extended thinking budget in tokens (>= 1024); None leaves thinking off.
    thinking_budget: int | None = None
    # Per-request timeout; the SDK's default is 600 s, longer than a whole investigation.
    request_timeout_s: float = 120.0


class ReplaySettings(BaseModel):
    """External programs and caches the replay environment uses."""

    model_config = ConfigDict(extra="forbid")

    prometheus_bin: str = "prometheus"
    promtool_bin: str = "promtool"
    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "incident-agent")

    def resolve(self, name: str) -> str | None:
        """Absolute path of the configured binary ``prometheus`` or ``promtool``, if found."""
        configured = self.prometheus_bin if name == "prometheus" else self.promtool_bin
        return shutil.which(configured)


class TelemetrySettings(BaseModel):
    """Traces of the agent's own work (OpenTelemetry): where they go, if anywhere."""

    model_config = ConfigDict(extra="forbid")

    exporter: Literal["none", "console", "otlp"] = "none"
    # Full OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces.
    otlp_endpoint: str | None = None
    otlp_headers: dict[str, str] = Field(default_factory=dict, repr=False)
    otlp_timeout_seconds: float = Field(default=10.0, gt=0)
    service_name: str = Field(default="incident-agent", min_length=1)

    @field_validator("otlp_headers", mode="before")
    @classmethod
    def _parse_headers(cls, value: Any) -> Any:
        # The environment gives headers the OTLP way: "k1=v1,k2=v2", values percent-encoded.
        if not isinstance(value, str):
            return value
        headers: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in value.split(","))):
            key, sep, item = pair.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"expected key=value pairs separated by commas, got {pair!r}")
            headers[unquote(key.strip())] = unquote(item.strip())
        return headers

    @model_validator(mode="after")
    def _endpoint_for_otlp(self) -> TelemetrySettings:
        endpoint = self.otlp_endpoint
        if self.exporter == "otlp" and not endpoint:
            raise ValueError(
                "exporter otlp needs otlp_endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)"
            )
        if endpoint and not endpoint.startswith(("http://", "https://")):
            raise ValueError(f"otlp_endpoint must be an http(s) URL, got {endpoint!r}")
        return self


class RemediationSettings(BaseModel):
    """``remediation:``: how approvals of proposed remediations are gated."""

    model_config = ConfigDict(extra="forbid")

    # Seconds (or an ISO 8601 duration such as PT1H) after the investigation finished.
    proposal_ttl: timedelta = Field(default=timedelta(hours=1), gt=timedelta(0))


class TriageSettings(BaseModel):
    """What the triage fields of a report need beyond the evidence: links and the platform team."""

    model_config = ConfigDict(extra="forbid")

    # Grafana Explore links in next steps, when the URL and the datasource uids are set.
    grafana_url: str | None = None
    prometheus_datasource_uid: str | None = None
    loki_datasource_uid: str | None = None
    tempo_datasource_uid: str | None = None
    # Owns causes in the cluster itself (nodes, network, capacity) and unowned components.
    platform_team: str = Field(default="platform", min_length=1)


class Settings(BaseModel):
    """All settings of one agent process."""

    model_config = ConfigDict(extra="forbid")

    backends: BackendSettings = Field(default_factory=BackendSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    replay: ReplaySettings = Field(default_factory=ReplaySettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    remediation: RemediationSettings = Field(default_factory=RemediationSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    triage: TriageSettings = Field(default_factory=TriageSettings)
    state_dir: Path = Field(
        default_factory=lambda: Path.home() / ".local" / "state" / "incident-agent"
    )
    catalog_file: Path | None = None
    policy_file: Path | None = None
