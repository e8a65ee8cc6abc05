"""Where an investigation runs: the live stack from settings, or a replayed incident.

``agent investigate``, ``agent serve`` and ``agent eval`` all get their ``Environment`` here,
so live and replayed investigations build their backends, catalogue and clock the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import yaml

from agent.bundle.model import Catalog
from agent.config.settings import Settings
from agent.errors import ConfigError
from agent.investigation.setup import Environment
from agent.replay.environment import Endpoints
from policies.model import Policy
from tools.clients import Backends


def load_catalog(settings: Settings) -> Catalog:
    """The service catalogue file from settings, or an empty catalogue.

    Raises:
        ConfigError: the file is unreadable or not a catalogue.
    """
    if settings.catalog_file is None:
        return Catalog()
    try:
        data = yaml.safe_load(settings.catalog_file.read_text(encoding="utf-8"))
        return Catalog.model_validate(data or {})
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"cannot read catalogue {settings.catalog_file}: {exc}") from exc


@contextmanager
def live_environment(
    settings: Settings, policy: Policy, catalog: Catalog | None = None
) -> Iterator[Environment]:
    """An ``Environment`` on the live backends at the current time; closes the clients."""
    backends = Backends.from_settings(settings.backends)
    try:
        yield Environment(
            backends,
            datetime.now(UTC),
            catalog or load_catalog(settings),
            policy,
            triage=settings.triage,
        )
    finally:
        backends.close()


@contextmanager
def replay_environment(
    endpoints: Endpoints, catalog: Catalog, policy: Policy
) -> Iterator[Environment]:
    """An ``Environment`` on a running replay, at the recording's ``now``; closes the clients."""
    backends = Backends.from_urls(**endpoints.backend_urls())
    try:
        yield Environment(backends, endpoints.now, catalog, policy)
    finally:
        backends.close()
