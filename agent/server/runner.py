"""The live runner: one investigation on the configured backends, as ``agent investigate`` does.

The brain comes from a factory so tests (and only tests, from Python: ``agent serve`` has no
option for it) can swap in a scripted brain; the default is ``choose_brain``: Claude with an API key, else the offline investigator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from agent.bundle.model import Catalog
from agent.config.settings import Settings
from agent.investigation.brain import Brain
from agent.investigation.budget import Budget
from agent.investigation.environments import live_environment, load_catalog
from agent.investigation.setup import choose_brain, prepare
from agent.report.model import Report
from policies.model import Policy

from .workers import Job, run_job

BrainFactory = Callable[[Settings, Catalog, Budget], Brain]


def default_brain(settings: Settings, catalog: Catalog, budget: Budget) -> Brain:
    """Claude when an API key is configured, else the offline investigator."""
    end = time.monotonic() + budget.max_wall_seconds
    return choose_brain(None, settings.model, catalog, deadline=lambda: end)


class LiveRunner:
    """Runs jobs against the live backends configured in ``settings``."""

    def __init__(
        self,
        settings: Settings,
        policy: Policy,
        *,
        budget: Budget | None = None,
        brain_factory: BrainFactory = default_brain,
        audit_dir: Path | None = None,
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._budget = budget or Budget()
        self._brain_factory = brain_factory
        self._audit_dir = audit_dir
        # Read once at start-up: a broken catalogue is a configuration error, not a failed run.
        self._catalog = load_catalog(settings)

    def brain(self, job: Job, catalog: Catalog) -> Brain:
        """The job's brain: the offline investigator over a global spend ceiling."""
        if job.offline_reason:
            end = time.monotonic() + self._budget.max_wall_seconds
            return choose_brain("offline", self._settings.model, catalog, deadline=lambda: end)
        return self._brain_factory(self._settings, catalog, self._budget)

    def __call__(self, job: Job) -> Report:
        """Investigate (or resume) ``job`` and return its report."""
        with live_environment(self._settings, self._policy, self._catalog) as env:
            brain = self.brain(job, env.catalog)
            deps = prepare(
                job.alert,
                env,
                brain,
                investigation_id=job.id,
                budget=self._budget,
                audit_path=self._audit_dir / f"{job.id}.jsonl" if self._audit_dir else None,
            )
            return run_job(job, deps, brain.name, env.now)
