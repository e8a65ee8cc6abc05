"""The deterministic incident simulator: ``generate(scenario_id, out_dir)`` writes a bundle.

Modules: ``world`` (the shop), ``scenario`` (what a scenario declares), ``lifecycle`` (pods and
restarts), ``state`` (per-step component state), generators (``metrics_app``, ``metrics_infra``,
``logs``, ``traces``, ``k8s``, ``events``), ``alert`` (webhook payload), ``bundle`` (writer).
Scenarios live in ``evals.simulator.scenarios``, one module each, listed in ``SCENARIOS``.
"""

from evals.simulator.bundle import generate, scenario
from evals.simulator.scenarios import SCENARIOS

__all__ = ["SCENARIOS", "generate", "scenario"]
