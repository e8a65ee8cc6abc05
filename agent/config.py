"""Settings: the only module that reads environment variables and configuration files.

Everything else receives settings as arguments. Precedence, lowest first: defaults, the YAML
config file (``--config`` or ``AGENT_CONFIG``), environment variables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import ConfigError


class BackendSettings(BaseModel):
    """Where the live telemetry backends are."""

    model_config = ConfigDict(extra="forbid")

    prometheus_url: str | None = None
    loki_url: str | None = None
    loki_tenant: str | None = None
    tempo_url: str | None = None
    alertmanager_url: str | None = None
    kubeconfig: str | None = None
    kube_context: str | None = None


class ModelSettings(BaseModel):
    """The Claude model and its prices (USD per million tokens)."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = Field(default=None, repr=False)
    model: str = "claude-sonnet-5-5"
    input_price: float = 2.0
    output_price: float = 10.0
    cache_write_multiplier: float = 1.25
    cache_read_multiplier: float = 0.1


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


class Settings(BaseModel):
    """All settings of one agent process."""

    model_config = ConfigDict(extra="forbid")

    backends: BackendSettings = Field(default_factory=BackendSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    replay: ReplaySettings = Field(default_factory=ReplaySettings)
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
    "AGENT_STATE_DIR": ("", "state_dir"),
    "AGENT_CATALOG": ("", "catalog_file"),
    "AGENT_POLICY": ("", "policy_file"),
}


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
    for var, (section, key) in _ENV.items():
        value = env.get(var)
        if value:
            target = data.setdefault(section, {}) if section else data
            target[key] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {field}: {first['msg']}") from exc
