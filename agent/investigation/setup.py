"""Assemble one investigation's collaborators: tools, policy, scope, redaction, audit, brain.

The CLI, the webhook server and the eval runner all call ``prepare`` and then
``investigate``; none of them builds the pipeline differently.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import anthropic
from opentelemetry.trace import Tracer

from agent.alerts.model import Alert
from agent.audit import AuditLog
from agent.bundle.model import Catalog
from agent.config.settings import ModelSettings, TriageSettings
from agent.dispatch.pipeline import Dispatcher
from agent.errors import ConfigError
from agent.safety.redact import Redactor
from agent.telemetry import instrument, without_sdk_spans
from policies.model import Policy
from policies.scope import derive_scope
from tools.base import OutputLimits, Registry, ToolContext
from tools.catalog import all_tools
from tools.clients import Backends

from .brain import Brain
from .briefing import build_briefing
from .budget import Budget
from .loop import InvestigationDeps
from .report_builder import ReportContext
from .runner import DispatchRunner

BrainKind = Literal["claude", "offline"]


@dataclass(frozen=True, slots=True)
class Environment:
    """Where and when an investigation runs: live backends or a replay."""

    backends: Backends
    now: datetime
    catalog: Catalog
    policy: Policy
    triage: TriageSettings = field(default_factory=TriageSettings)


def choose_brain(
    kind: BrainKind | None,
    model: ModelSettings,
    catalog: Catalog,
    deadline: Callable[[], float],
) -> Brain:
    """Claude when asked for or when an API key is configured; else the offline investigator.

    Raises:
        ConfigError: Claude was asked for but no API key is configured.
    """
    if kind is None:
        kind = "claude" if model.api_key else "offline"
    if kind == "claude":
        if not model.api_key:
            raise ConfigError("--brain claude needs an API key: set ANTHROPIC_API_KEY")
        from agent.brains.claude import ClaudeBrain

        # Our chat spans replace the SDK's (see agent.telemetry.sdk).
        client = without_sdk_spans(anthropic.Anthropic(api_key=model.api_key, max_retries=0))
        return ClaudeBrain(client, model, deadline=deadline)
    from agent.brains.offline import OfflineBrain

    return OfflineBrain(catalog)


def prepare(
    alert: Alert,
    env: Environment,
    brain: Brain,
    *,
    investigation_id: str,
    budget: Budget | None = None,
    limits: OutputLimits | None = None,
    audit_path: Path | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    tracer: Tracer | None = None,
) -> InvestigationDeps:
    """The collaborators of one investigation of ``alert`` in ``env``.

    With a ``tracer`` the brain and the tool runner are traced (``agent.telemetry``); run the
    investigation with ``traced_investigate`` to have their spans under one agent span.
    """
    scope = derive_scope(alert, env.catalog, env.policy)
    ctx = ToolContext(
        backends=env.backends,
        now=env.now,
        alert=alert,
        scope=scope,
        limits=limits or OutputLimits(),
    )
    registry = Registry(all_tools()).view(frozenset(env.policy.allowed_tools()))
    redactor = Redactor(secrets.token_bytes(32))
    dispatcher = Dispatcher(
        registry,
        env.policy,
        ctx,
        redactor,
        AuditLog(audit_path),
        investigation_id=investigation_id,
    )
    budget = budget or Budget()
    deps = InvestigationDeps(
        brain=brain,
        tools=DispatchRunner(dispatcher, registry),
        report_context=ReportContext(
            namespaces=scope.namespaces, catalog=env.catalog, triage=env.triage
        ),
        budget=budget,
        monotonic=monotonic,
        wall_clock=_clock_from(env.now, monotonic),
        redact=redactor.redact,
        briefing=build_briefing(alert, env.now, scope, env.policy, env.catalog, budget),
    )
    return deps if tracer is None else instrument(deps, tracer)


def _clock_from(start: datetime, monotonic: Callable[[], float]) -> Callable[[], datetime]:
    """The investigation's clock: starts at ``start`` (the recorded ``now`` in a replay)."""
    origin = monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=monotonic() - origin)

    return now
