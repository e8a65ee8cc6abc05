"""A scripted brain for tests: it replays predefined turns, whatever the tools answer.

Each step is a ``BrainTurn`` or a function of the state returning one (to cite the ids of
earlier calls). When the script runs out it submits a report built from the ledger, or an
empty one; a hostile script simply never runs out (``repeat_last=True``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from agent.investigation.brain import BrainTurn, ToolRequest
from agent.investigation.ledger import SUBMIT
from agent.investigation.state import InvestigationState

Step = BrainTurn | Callable[[InvestigationState], BrainTurn]

_ids = itertools.count(1)


def call(tool: str, call_id: str | None = None, /, **arguments: Any) -> ToolRequest:
    """A tool request with a generated id unless one is given."""
    return ToolRequest(id=call_id or f"call_{next(_ids):04d}", name=tool, arguments=arguments)


class ScriptedBrain:
    """Plays ``steps`` in order; then submits (or repeats the last step forever)."""

    def __init__(
        self,
        steps: Sequence[Step],
        *,
        repeat_last: bool = False,
        final: dict[str, Any] | None = None,
        name: str = "scripted",
    ) -> None:
        self.name = name
        self._steps = list(steps)
        self._repeat_last = repeat_last
        self._final = final or {"summary": "scripted investigation ended", "confidence": 0.1}
        self._position = 0
        self.final_reasons: list[str] = []

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        """The next scripted step."""
        if self._position >= len(self._steps):
            if self._repeat_last and self._steps:
                return self._render(self._steps[-1], state)
            return BrainTurn(
                calls=[ToolRequest(id="call_submit", name=SUBMIT, arguments=self._final)]
            )
        step = self._steps[self._position]
        self._position += 1
        return self._render(step, state)

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        """Submit the configured final report."""
        self.final_reasons.append(reason)
        return BrainTurn(calls=[ToolRequest(id="call_final", name=SUBMIT, arguments=self._final)])

    @staticmethod
    def _render(step: Step, state: InvestigationState) -> BrainTurn:
        return step(state) if callable(step) else step
