"""``agent investigate <alert-id>``: a thin adapter around ``investigate(alert, deps)``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from agent.alerts.lookup import AlertmanagerSource, AlertSource, find_alert
from agent.config.load import load_settings
from agent.config.settings import Settings
from agent.errors import ConfigError
from agent.investigation.budget import Budget
from agent.investigation.environments import live_environment, replay_environment
from agent.investigation.loop import new_state
from agent.investigation.setup import Environment, choose_brain, prepare
from agent.remediation.store import JsonFileStore
from agent.replay.environment import ReplayEnvironment
from agent.report.model import Report
from agent.report.render import render_json, render_markdown, render_text
from agent.server.lookup import StoreAlertSource
from agent.server.store import db_path, open_store
from agent.telemetry import traced_investigate, tracing
from policies.load import default_policy_path, load_policy
from policies.model import Policy

_FORMATS = ("json", "markdown", "text")


def register(subparsers: Any) -> None:
    """Add the ``investigate`` command."""
    parser = subparsers.add_parser("investigate", help="investigate an alert by its fingerprint")
    parser.add_argument("alert_id", help="the Alertmanager fingerprint of the alert")
    parser.add_argument(
        "--replay", type=Path, metavar="BUNDLE", help="investigate a recorded incident"
    )
    parser.add_argument(
        "--brain",
        choices=["claude", "offline"],
        help="default: claude with an API key, else offline",
    )
    parser.add_argument("--format", choices=_FORMATS, default="text")
    parser.add_argument("--output", type=Path, help="write the report to FILE instead of stdout")
    parser.add_argument("--max-steps", type=int, default=Budget().max_steps)
    parser.add_argument("--config", help="configuration file (YAML)")
    parser.add_argument("--policy", type=Path, help="policy file (default: policies/default.yaml)")
    parser.add_argument("--state-dir", type=Path, help="where reports are stored for agent approve")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Investigate and print the report; 0 with a report, 1 if the investigation failed."""
    if args.max_steps < 1:
        raise ConfigError("--max-steps must be at least 1")
    settings = load_settings(args.config)
    policy = load_policy(args.policy or settings.policy_file or default_policy_path())
    with ExitStack() as stack:
        # Entered first, so it is shut down (and its spans flushed) last.
        tracer = stack.enter_context(tracing(settings.telemetry)).tracer
        env, sources = stack.enter_context(_environment(args, settings, policy))
        alert = find_alert(args.alert_id, sources)
        budget = Budget(max_steps=args.max_steps)
        brain = choose_brain(args.brain, settings.model, env.catalog, deadline=_deadline(budget))
        state = new_state(alert, brain, env.now)
        deps = prepare(
            alert,
            env,
            brain,
            investigation_id=state.id,
            budget=budget,
            audit_path=(args.state_dir or settings.state_dir).expanduser()
            / "audit"
            / f"{state.id}.jsonl",
            tracer=tracer,
        )
        report = traced_investigate(alert, deps, state, tracer)
    JsonFileStore((args.state_dir or settings.state_dir).expanduser()).save(report)
    _emit(report, args.format, args.output)
    return 1 if report.status == "failed" else 0


def _deadline(budget: Budget) -> Callable[[], float]:
    """When the model must have answered: the investigation's wall-clock limit."""
    end = time.monotonic() + budget.max_wall_seconds
    return lambda: end


@contextmanager
def _environment(
    args: argparse.Namespace, settings: Settings, policy: Policy
) -> Iterator[tuple[Environment, list[AlertSource]]]:
    """The environment to investigate in, and where to look the alert up (in that order)."""
    if args.replay is not None:
        replay = ReplayEnvironment(args.replay, settings.replay)
        with (
            replay as endpoints,
            replay_environment(endpoints, replay.bundle.catalog, policy) as env,
        ):
            assert env.backends.alertmanager is not None
            yield env, [AlertmanagerSource(env.backends.alertmanager, endpoints.alertmanager)]
        return
    with live_environment(settings, policy) as env, ExitStack() as stack:
        sources: list[AlertSource] = []
        if settings.server.database_url or db_path(settings).is_file():
            # Alerts received by ``agent serve`` come first: they are what woke us.
            store = stack.enter_context(closing(open_store(settings)))
            sources.append(StoreAlertSource(store))
        alertmanager = settings.backends.url("alertmanager")
        if env.backends.alertmanager is not None and alertmanager:
            sources.append(AlertmanagerSource(env.backends.alertmanager, alertmanager))
        yield env, sources


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt``; links stay live only for the catalogue's own runbook hosts."""
    if fmt == "json":
        return render_json(report)
    # Runbook URLs come from the operator's catalogue, not from telemetry.
    trusted = {urlparse(e.runbook_url).hostname or "" for e in report.escalation if e.runbook_url}
    renderer = render_markdown if fmt == "markdown" else render_text
    return renderer(report, allowed_domains=trusted - {""})


def _emit(report: Report, fmt: str, output: Path | None) -> None:
    text = render(report, fmt)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    output.write_text(text, encoding="utf-8")
    print(f"report written to {output}", file=sys.stderr)
