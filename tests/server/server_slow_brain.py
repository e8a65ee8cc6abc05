"""A slow, resumable scripted brain for the ``agent serve`` restart test.

Run as ``python -m server_slow_brain <agent serve options>``: ``agent serve`` with this brain,
injected through Python (the CLI has no option that imports code).

Its turn is a function of the state (not of a counter), so a resumed run continues where the
stored state ends. Every turn it is asked for is logged to ``<state_dir>/brain-turns.log``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from agent.bundle.model import Catalog
from agent.cli.serve import main
from agent.config import Settings
from agent.investigation.brain import BrainTurn, ToolRequest
from agent.investigation.budget import Budget
from agent.investigation.ledger import SUBMIT
from agent.investigation.state import InvestigationState

TURNS = 6
DELAY_S = 0.5
FINAL = {"summary": "slow scripted investigation", "confidence": 0.2}


class SlowBrain:
    name = "slow-scripted"

    def __init__(self, log_path: Any) -> None:
        self._log = log_path

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        index = len(state.turns)
        with open(self._log, "a", encoding="utf-8") as log:
            log.write(f"{index}\n")
        time.sleep(DELAY_S)
        if index >= TURNS:
            return BrainTurn(
                calls=[ToolRequest(id=f"submit-{index}", name=SUBMIT, arguments=FINAL)]
            )
        call = ToolRequest(
            id=f"call-{index}", name="alert_context", arguments={"lookback": f"{10 + index}m"}
        )
        return BrainTurn(calls=[call], text=f"turn {index}")

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        return BrainTurn(calls=[ToolRequest(id="submit-final", name=SUBMIT, arguments=FINAL)])


def factory(settings: Settings, catalog: Catalog, budget: Budget) -> SlowBrain:
    return SlowBrain(settings.state_dir / "brain-turns.log")


if __name__ == "__main__":
    sys.exit(main(brain_factory=factory))
