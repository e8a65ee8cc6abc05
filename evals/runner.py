"""Run bundles as production runs them, then score each report against its truth.

One case = start the bundle's replay environment, look the alert up in the replayed
Alertmanager, ``prepare`` and ``investigate`` exactly as ``agent investigate --replay`` does,
and only then read ``truth.yaml`` for the scorer. The brain comes from a factory so tests can
inject a scripted brain; production passes ``brain_factory(kind, model)``. Cases run in
parallel threads (each starts its own Prometheus process); a case that fails in any way becomes
a failed ``CaseResult`` carrying its error, never an exception that ends the run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from agent.alerts.lookup import AlertmanagerSource, find_alert
from agent.bundle.load import INCIDENT
from agent.bundle.model import Catalog, Truth
from agent.bundle.truth import load_truth
from agent.config.settings import ModelSettings, ReplaySettings
from agent.errors import ConfigError
from agent.investigation.brain import Brain
from agent.investigation.budget import Budget
from agent.investigation.environments import replay_environment
from agent.investigation.loop import investigate, new_state
from agent.investigation.setup import BrainKind, choose_brain, prepare
from agent.investigation.state import InvestigationState
from agent.replay.environment import Endpoints, ReplayEnvironment
from agent.report.model import Report
from policies.load import default_policy_path, load_policy
from policies.model import Policy

from . import scoring
from .results import CaseResult, EvalRun, make_run

# (catalogue, deadline) -> brain: the arguments ``choose_brain`` needs from one case.
BrainFactory = Callable[[Catalog, Callable[[], float]], Brain]


def brain_factory(kind: BrainKind | None, model: ModelSettings) -> BrainFactory:
    """The production brain choice (``choose_brain``) as a factory."""
    return lambda catalog, deadline: choose_brain(kind, model, catalog, deadline)


@dataclass(frozen=True)
class EvalConfig:
    """What every case of a run shares: the brain, the policy, the budget, the replay tools."""

    make_brain: BrainFactory
    policy: Policy = field(default_factory=lambda: load_policy(default_policy_path()))
    budget: Budget = field(default_factory=Budget)
    replay: ReplaySettings = field(default_factory=ReplaySettings)


def find_bundles(paths: Iterable[Path]) -> list[Path]:
    """The bundles named by ``paths``: each a bundle or a directory of bundles.

    Raises:
        ConfigError: a path does not exist, or no bundle was found at all.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise ConfigError(f"no such bundle or directory: {path}")
        if (path / INCIDENT).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if (p / INCIDENT).is_file()))
    if not found:
        raise ConfigError(f"no bundles (directories with {INCIDENT}) found in the paths given")
    return list(dict.fromkeys(found))


def investigate_replay(
    endpoints: Endpoints, catalog: Catalog, fingerprint: str, config: EvalConfig
) -> tuple[Report, InvestigationState]:
    """Investigate the alert ``fingerprint`` against running replay ``endpoints``.

    The same steps as ``agent investigate --replay``: production readers, alert lookup in the
    replayed Alertmanager, ``choose_brain``-style brain, ``prepare`` and ``investigate``.
    """
    with replay_environment(endpoints, catalog, config.policy) as env:
        assert env.backends.alertmanager is not None
        alert = find_alert(
            fingerprint, [AlertmanagerSource(env.backends.alertmanager, endpoints.alertmanager)]
        )
        end = time.monotonic() + config.budget.max_wall_seconds
        brain = config.make_brain(catalog, lambda: end)
        state = new_state(alert, brain, env.now)
        deps = prepare(alert, env, brain, investigation_id=state.id, budget=config.budget)
        return investigate(alert, deps, state), state


def score_case(
    result: CaseResult, report: Report, state: InvestigationState, truth: Truth
) -> CaseResult:
    """``result`` completed with every figure of ``report`` scored against ``truth``."""
    rank = scoring.component_rank(report, truth)
    usage = state.usage
    return result.model_copy(
        update={
            "status": report.status,
            "brain": report.brain,
            "error": None,
            "predicted_component": report.root_cause.component if report.root_cause else None,
            "predicted_category": report.root_cause.category if report.root_cause else None,
            "rank": rank,
            "ac1": scoring.hit_at(rank, 1),
            "ac3": scoring.hit_at(rank, 3),
            "avg5": scoring.avg_at(rank, 5),
            "category_match": scoring.category_match(report, truth),
            "key_evidence_recall": round(scoring.key_evidence_recall(report, truth), 4),
            "key_evidence_found": scoring.key_evidence_found(report, truth),
            "verified_share": scoring.verified_share(report),
            "denials": scoring.denials(c.status for t in state.turns for c in t.calls),
            "steps": usage.steps,
            "tool_calls": usage.tool_calls,
            "input_tokens": usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
            "output_tokens": usage.output_tokens,
            "tool_result_tokens": usage.tool_result_tokens,
            "cost_usd": usage.cost_usd,
        }
    )


def run_case(path: Path, config: EvalConfig) -> CaseResult:
    """Evaluate one bundle; any failure becomes a failed case naming its error."""
    result = CaseResult(bundle=path.name, path=str(path))
    try:
        # Read first so a bundle without truth fails before a Prometheus is started for it;
        # the truth goes to the scorer only, never near the investigation.
        truth = load_truth(path)
        result = result.model_copy(
            update={
                "truth_component": truth.root_cause.component,
                "truth_category": truth.root_cause.category,
            }
        )
        started = time.monotonic()
        replay = ReplayEnvironment(path, config.replay)
        with replay as endpoints:
            result.start_seconds = round(time.monotonic() - started, 3)
            began = time.monotonic()
            incident = replay.bundle.incident
            report, state = investigate_replay(
                endpoints, replay.bundle.catalog, incident.alert_fingerprint, config
            )
            wall = time.monotonic() - began
        result = score_case(result, report, state, truth)
        result.wall_seconds = round(wall, 3)
        result.bundle = incident.id
    except Exception as exc:  # one broken bundle must never end the whole run
        result.error = f"{type(exc).__name__}: {exc}"
        result.status = "failed"
    return result


def run_cases(
    paths: Sequence[Path],
    config: EvalConfig,
    *,
    jobs: int | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
) -> EvalRun:
    """Evaluate every bundle in ``paths``, up to ``jobs`` at a time (default: the cores)."""
    workers = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    started = time.monotonic()
    results: list[CaseResult] = []

    def one(path: Path) -> CaseResult:
        case = run_case(path, config)
        if on_case is not None:
            on_case(case)
        return case

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eval") as pool:
        results.extend(pool.map(one, paths))
    return make_run(results, time.monotonic() - started)
