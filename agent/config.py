"""Settings: the only module that reads environment variables and configuration files.

Everything else receives settings as arguments. Precedence, lowest first: defaults, the YAML
config file (``--config`` or ``AGENT_CONFIG``), environment variables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from agent.errors import ConfigError
from agent.notify.settings import NotifySettings


class BasicAuthSettings(BaseModel):
    """HTTP basic authentication: the password comes from a file or the environment."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1)
    password_file: Path | None = None
    # Only from the environment (AGENT_<BACKEND>_PASSWORD); a config file names a file instead.
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _one_password(self) -> BasicAuthSettings:
        if (self.password_file is None) == (self.password is None):
            raise ValueError("basic_auth needs exactly one of password_file or the password env")
        return self


class ConnectionSettings(BaseModel):
    """How to reach one HTTP backend: URL (with any path prefix), headers, auth and TLS.

    The same shape for Prometheus-compatible backends (Mimir, Thanos, Cortex, VictoriaMetrics),
    Loki, Tempo and Alertmanager. Secrets are never inline in the config file: the bearer token
    and the password come from files (re-read when they change, as projected service-account
    tokens rotate) or from environment variables.
    """

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict, repr=False)
    bearer_token_file: Path | None = None
    bearer_token: SecretStr | None = None  # only from AGENT_<BACKEND>_BEARER_TOKEN
    basic_auth: BasicAuthSettings | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_skip_verify: bool = False
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("url")
    @classmethod
    def _plain_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) URL, got {value!r}")
        if parts.username or parts.password:
            # Credentials in a URL end up in every error message and log line.
            raise ValueError("credentials in the URL are refused; use basic_auth or a token file")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> ConnectionSettings:
        if self.basic_auth is not None and (self.bearer_token_file or self.bearer_token):
            raise ValueError("use either a bearer token or basic_auth, not both")
        if self.bearer_token_file and self.bearer_token:
            raise ValueError("use either bearer_token_file or the bearer token env, not both")
        if self.key_file and not self.cert_file:
            raise ValueError("key_file needs cert_file (the client certificate)")
        tls = self.ca_file or self.cert_file or self.insecure_skip_verify
        if tls and self.url and not self.url.startswith("https://"):
            raise ValueError(f"TLS settings need an https:// URL, got {self.url!r}")
        if any(name.lower() == "authorization" for name in self.headers) and (
            self.basic_auth or self.bearer_token_file or self.bearer_token
        ):
            raise ValueError("an Authorization header conflicts with the configured auth")
        return self


BackendName = Literal["prometheus", "loki", "tempo", "alertmanager"]
BACKEND_NAMES: tuple[BackendName, ...] = ("prometheus", "loki", "tempo", "alertmanager")


class BackendSettings(BaseModel):
    """Where the live telemetry backends are and how to connect to each.

    ``<backend>_url`` is shorthand for ``<backend>.url`` (and wins over it, so the environment
    overrides a file); ``loki_tenant`` is shorthand for Loki's ``X-Scope-OrgID`` header.
    """

    model_config = ConfigDict(extra="forbid")

    prometheus_url: str | None = None
    loki_url: str | None = None
    loki_tenant: str | None = None
    tempo_url: str | None = None
    alertmanager_url: str | None = None
    prometheus: ConnectionSettings = Field(default_factory=ConnectionSettings)
    loki: ConnectionSettings = Field(default_factory=ConnectionSettings)
    tempo: ConnectionSettings = Field(default_factory=ConnectionSettings)
    alertmanager: ConnectionSettings = Field(default_factory=ConnectionSettings)
    kubeconfig: str | None = None
    kube_context: str | None = None

    @model_validator(mode="after")
    def _merge_shorthands(self) -> BackendSettings:
        for name in BACKEND_NAMES:
            flat = getattr(self, f"{name}_url")
            if flat:
                merged = ConnectionSettings.model_validate(
                    {**getattr(self, name).model_dump(exclude_unset=True), "url": flat}
                )
                setattr(self, name, merged)
        if self.loki_tenant and not any(h.lower() == "x-scope-orgid" for h in self.loki.headers):
            self.loki.headers = {**self.loki.headers, "X-Scope-OrgID": self.loki_tenant}
        return self

    def connection(self, name: BackendName) -> ConnectionSettings | None:
        """The connection settings of backend ``name``, or ``None`` when it has no URL."""
        found: ConnectionSettings = getattr(self, name)
        return found if found.url else None

    def url(self, name: BackendName) -> str | None:
        """The URL of backend ``name``, if configured."""
        found = self.connection(name)
        return found.url if found else None


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


_ENV: dict[str, tuple[str, str]] = {
    "AGENT_PROMETHEUS_URL": ("backends", "prometheus_url"),
    "AGENT_LOKI_URL": ("backends", "loki_url"),
    "AGENT_LOKI_TENANT": ("backends", "loki_tenant"),
    "AGENT_TEMPO_URL": ("backends", "tempo_url"),
    "AGENT_ALERTMANAGER_URL": ("backends", "alertmanager_url"),
    "KUBECONFIG": ("backends", "kubeconfig"),
    "AGENT_KUBE_CONTEXT": ("backends", "kube_context"),
    "ANTHROPIC_API_KEY": ("model", "api_key"),
    "AGENT_MODEL": ("model", "model"),
    "PROMETHEUS_BIN": ("replay", "prometheus_bin"),
    "PROMTOOL_BIN": ("replay", "promtool_bin"),
    "AGENT_CACHE_DIR": ("replay", "cache_dir"),
    "OTEL_TRACES_EXPORTER": ("telemetry", "exporter"),
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ("telemetry", "otlp_endpoint"),
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS": ("telemetry", "otlp_headers"),
    "OTEL_SERVICE_NAME": ("telemetry", "service_name"),
    "AGENT_STATE_DIR": ("", "state_dir"),
    "AGENT_SERVER_DB": ("server", "db_path"),
    "AGENT_DATABASE_URL": ("server", "database_url"),
    "AGENT_GRAFANA_SECRET": ("server", "grafana_secret"),
    "AGENT_CATALOG": ("", "catalog_file"),
    "AGENT_POLICY": ("", "policy_file"),
}
# Secrets of each HTTP backend, for deployments that inject them as environment variables.
for _backend in BACKEND_NAMES:
    _ENV[f"AGENT_{_backend.upper()}_BEARER_TOKEN"] = (f"backends.{_backend}", "bearer_token")
    _ENV[f"AGENT_{_backend.upper()}_PASSWORD"] = (f"backends.{_backend}.basic_auth", "password")


def _section(data: dict[str, Any], path: str) -> dict[str, Any]:
    """The nested mapping at dotted ``path`` of ``data``, created when missing."""
    target = data
    for part in filter(None, path.split(".")):
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    return target


def _refuse_inline_secrets(data: dict[str, Any], path: str) -> None:
    """A config file names secret files; secret values come only from the environment."""
    backends = data.get("backends")
    if not isinstance(backends, dict):
        return
    for name in BACKEND_NAMES:
        conn = backends.get(name)
        if not isinstance(conn, dict):
            continue
        basic = conn.get("basic_auth")
        if "bearer_token" in conn or (isinstance(basic, dict) and "password" in basic):
            upper = name.upper()
            raise ConfigError(
                f"config file {path}: backends.{name} holds a secret inline; use "
                f"bearer_token_file / basic_auth.password_file, or AGENT_{upper}_BEARER_TOKEN / "
                f"AGENT_{upper}_PASSWORD"
            )


_SINK_SECRETS = (("secret", "secret_env"), ("signing_secret", "signing_secret_env"))


def _resolve_sink_secrets(data: dict[str, Any], env: Mapping[str, str]) -> None:
    """Each notify sink's ``secret_env`` names the variable holding its secret; read it here."""
    notify = data.get("notify")
    sinks = notify.get("sinks") if isinstance(notify, dict) else None
    for index, sink in enumerate(sinks if isinstance(sinks, list) else []):
        if not isinstance(sink, dict):
            continue
        for field, variable in _SINK_SECRETS:
            if field in sink:
                raise ConfigError(
                    f"notify.sinks.{index}.{field}: secrets are never inline; use "
                    f"{field}_file or {variable}"
                )
            name = sink.get(variable)
            if isinstance(name, str):
                if not env.get(name):
                    raise ConfigError(f"notify.sinks.{index}.{variable}: {name} is not set")
                sink[field] = env[name]


def load_settings(
    config_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings from an optional YAML file and the environment.

    Raises:
        ConfigError: the file is unreadable or a value is invalid (named in the message).
    """
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    path = config_file or env.get("AGENT_CONFIG")
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"config file {path}: expected a mapping at the top level")
        data = loaded or {}
        _refuse_inline_secrets(data, str(path))
    _resolve_sink_secrets(data, env)
    for var, (section, key) in _ENV.items():
        value = env.get(var)
        if value:
            _section(data, section)[key] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {field}: {first['msg']}") from exc
