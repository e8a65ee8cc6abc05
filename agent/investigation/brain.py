"""The brain protocol: what chooses the next tool calls.

Three brains implement it: Claude (production), the offline investigator (deterministic, the
default without an API key) and a scripted brain for tests. Each sees the same state and tools,
and each call it makes goes through the same dispatch, policy and budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from agent.errors import BrainError, BrainRejected, BrainUnavailable

from .budget import ModelUsage
from .state import InvestigationState

__all__ = ["Brain", "BrainError", "BrainRejected", "BrainTurn", "BrainUnavailable", "ToolRequest"]


@dataclass(frozen=True, slots=True)
class ToolRequest:
    """A tool call a brain wants made."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BrainTurn:
    """What a brain answered in one turn."""

    calls: list[ToolRequest] = field(default_factory=list)
    text: str = ""
    usage: ModelUsage = field(default_factory=ModelUsage)
    stop_reason: str | None = None
    # The assistant message as received (JSON blocks), when the brain must send it back as is.
    content: list[dict[str, Any]] = field(default_factory=list)


class Brain(Protocol):
    """Chooses tool calls; ends by calling ``submit_report``."""

    name: str

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        """Choose the next calls given the transcript so far and the available tool schemas."""
        ...

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        """Write the report now (no other tools): a single ``submit_report`` call expected."""
        ...
