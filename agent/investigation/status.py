"""The compact status a brain is shown after each turn: the ledger and the budget left.

A model should not have to remember which hypotheses it holds or how much it may still
spend; one short line after every turn's results tells it. The line is stored with the turn
(``Turn.status``) so a transcript sent back later is byte-identical and stays cached.
"""

from __future__ import annotations

from typing import Any

from .budget import Budget
from .state import InvestigationState


def compact_status(state: InvestigationState, budget: Budget, elapsed_seconds: float) -> str:
    """``Status: H1 supported 0.8 (2 evidence); H2 refuted … | left: 27 steps, …``."""
    ledger = "; ".join(
        f"{h.id} {h.status} {h.confidence:g} ({len(h.evidence)} evidence): {h.component}"
        for h in state.hypotheses
    )
    u = state.usage
    left = (
        f"{max(0, budget.max_steps - u.steps)} steps, "
        f"{max(0, budget.max_tool_calls - u.tool_calls)} tool calls, "
        f"{max(0.0, budget.max_wall_seconds - elapsed_seconds):.0f}s, "
        f"${max(0.0, budget.max_cost_usd - u.cost_usd):.2f}"
    )
    return f"Status after turn {len(state.turns)}: ledger: {ledger or 'no hypotheses yet'} | left: {left}"


def without_calls(content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An assistant message's blocks without its tool calls (for calls that were not run)."""
    return [block for block in content if block.get("type") != "tool_use"]
