"""Load the settings: the only module that reads environment variables and configuration files.

Everything else receives settings as arguments. Precedence, lowest first: defaults, the YAML
config file (``--config`` or ``AGENT_CONFIG``), environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from agent.errors import ConfigError

from .backends import BACKEND_NAMES
from .settings import Settings

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
