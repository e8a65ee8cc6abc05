"""A paced, resumable scripted brain for ``agent serve`` subprocesses.

``python -m evals.paced_brain {restart|replicas} <agent serve options>`` runs ``agent serve``
with this brain, injected from Python (the command line has no option that imports code).

It stands in for a model in the restart test and the replica load test: each turn takes a set
time, so a replica killed midway holds investigations in flight. Its turn is a function of the
state (not of a counter), so a resumed run continues where the stored state ends. Every turn it
is asked for is logged to ``<state_dir>/brain-turns.log`` (``<investigation id> <turn>``), which
shows whether a completed turn was ever asked for again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from agent.bundle.model import Catalog
from agent.cli.serve import main
from agent.config.settings import Settings
from agent.investigation.brain import BrainTurn, ToolRequest
from agent.investigation.budget import Budget
from agent.investigation.ledger import SUBMIT
from agent.investigation.state import InvestigationState

_FINAL = {"summary": "paced scripted investigation", "confidence": 0.2}


class PacedBrain:
    """``turns`` turns of one ``alert_context`` call each (or none), ``delay`` seconds apiece."""

    name = "paced-scripted"

    def __init__(self, log_path: Path, turns: int, delay: float, *, tools: bool) -> None:
        self._log = log_path
        self._turns = turns
        self._delay = delay
        self._tools = tools

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        """Sleep, then one tool call per turn until the last, which submits."""
        index = len(state.turns)
        with self._log.open("a", encoding="utf-8") as log:
            log.write(f"{state.id} {index}\n")
        time.sleep(self._delay)
        if index >= self._turns:
            return BrainTurn(
                calls=[ToolRequest(id=f"submit-{index}", name=SUBMIT, arguments=_FINAL)]
            )
        if not self._tools:
            return BrainTurn(text=f"turn {index}")
        call = ToolRequest(
            id=f"call-{index}", name="alert_context", arguments={"lookback": f"{10 + index}m"}
        )
        return BrainTurn(calls=[call], text=f"turn {index}")

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        """Submit at once."""
        return BrainTurn(calls=[ToolRequest(id="submit-final", name=SUBMIT, arguments=_FINAL)])


def factory(settings: Settings, catalog: Catalog, budget: Budget) -> PacedBrain:
    """Six half-second turns that read the alert's context (the restart test)."""
    return PacedBrain(settings.state_dir / "brain-turns.log", 6, 0.5, tools=True)


def quick_factory(settings: Settings, catalog: Catalog, budget: Budget) -> PacedBrain:
    """Four 0.2-second turns without backend calls (the replica load test: no backends)."""
    return PacedBrain(settings.state_dir / "brain-turns.log", 4, 0.2, tools=False)


FACTORIES = {"restart": factory, "replicas": quick_factory}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in FACTORIES:
        sys.exit(f"usage: python -m evals.paced_brain {{{'|'.join(FACTORIES)}}} <serve options>")
    sys.exit(main(sys.argv[2:], brain_factory=FACTORIES[sys.argv[1]]))
