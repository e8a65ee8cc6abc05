"""``backends:``: where the live telemetry backends are and how to connect to each."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


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
