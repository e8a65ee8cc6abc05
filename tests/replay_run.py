"""Run one investigation against a started replay environment, the way production does."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.alerts.lookup import AlertmanagerSource, find_alert
from agent.config.backends import BackendSettings
from agent.investigation.brain import Brain
from agent.investigation.budget import Budget
from agent.investigation.loop import investigate, new_state
from agent.investigation.setup import Environment, prepare
from agent.investigation.state import InvestigationState
from agent.record import RecordOptions, RecordSummary, record_bundle
from agent.replay.environment import Endpoints, ReplayEnvironment
from agent.report.model import Report
from policies.load import default_policy_path, load_policy
from tools.clients import Backends


def backends_section(endpoints: Endpoints) -> dict[str, str]:
    """The ``backends:`` section of a configuration that reads the replayed incident."""
    return {
        "prometheus_url": endpoints.prometheus,
        "loki_url": endpoints.loki,
        "tempo_url": endpoints.tempo,
        "alertmanager_url": endpoints.alertmanager,
        "kubeconfig": str(endpoints.kubeconfig),
    }


def investigate_replay(
    env: ReplayEnvironment,
    brain: Brain,
    *,
    urls: dict[str, Any] | None = None,
    budget: Budget | None = None,
    audit_path: Path | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    timeout: float = 30.0,
) -> tuple[Report, InvestigationState]:
    """Investigate the bundle's alert; ``urls`` overrides backend URLs (e.g. a dead Loki)."""
    endpoints = env.endpoints
    assert endpoints is not None, "the replay environment must be started"
    backends = Backends.from_urls(**{**endpoints.backend_urls(), **(urls or {})}, timeout=timeout)
    try:
        assert backends.alertmanager is not None
        alert = find_alert(
            env.bundle.incident.alert_fingerprint,
            [AlertmanagerSource(backends.alertmanager, endpoints.alertmanager)],
        )
        state = new_state(alert, brain, endpoints.now)
        environment = Environment(
            backends, endpoints.now, env.bundle.catalog, load_policy(default_policy_path())
        )
        deps = prepare(
            alert,
            environment,
            brain,
            investigation_id=state.id,
            budget=budget,
            audit_path=audit_path,
            monotonic=monotonic,
        )
        return investigate(alert, deps, state), state
    finally:
        backends.close()


def record_replay(env: ReplayEnvironment, out: Path) -> RecordSummary:
    """Record the started replay's incident with ``agent record``'s code into ``out``."""
    endpoints = env.endpoints
    assert endpoints is not None, "the replay environment must be started"
    settings = BackendSettings.model_validate(backends_section(endpoints))
    options = RecordOptions(catalog=env.bundle.catalog, wall_clock=lambda: endpoints.now)
    return record_bundle(
        env.bundle.incident.alert_fingerprint,
        out,
        settings,
        load_policy(default_policy_path()),
        options,
    )
