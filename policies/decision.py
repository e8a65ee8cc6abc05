"""The values the policy check reads and returns: a call, the usage so far, the decision."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call as the model asked for it."""

    id: str
    name: str
    arguments: dict[str, Any]

    def key(self) -> str:
        """Identity of the call for repeat detection: name plus canonical arguments."""
        args = json.dumps(self.arguments, sort_keys=True, separators=(",", ":"), default=str)
        return f"{self.name}:{args}"


@dataclass(frozen=True, slots=True)
class Allow:
    """The call may run; ``rule`` names the policy entry that allowed it."""

    rule: str

    @property
    def allowed(self) -> bool:
        """Always true: lets callers test a ``Decision`` without ``isinstance``."""
        return True


@dataclass(frozen=True, slots=True)
class Deny:
    """The call must not run; ``rule`` is the rule id, ``reason`` says how to correct it."""

    rule: str
    reason: str

    @property
    def allowed(self) -> bool:
        """Always false."""
        return False


Decision = Allow | Deny


class CallCounts(BaseModel):
    """Calls already allowed in this investigation; the dispatcher records, the check reads.

    Plain data, persisted with the investigation's state, so caps and repeat detection hold
    across a restart: a resumed run does not get a fresh allowance.
    """

    per_tool: dict[str, int] = Field(default_factory=dict)
    seen: set[str] = Field(default_factory=set)

    @property
    def total(self) -> int:
        """Allowed calls across every tool."""
        return sum(self.per_tool.values())

    def has_seen(self, call: ToolCall) -> bool:
        """Whether an identical call (same name, same arguments) was already allowed."""
        return call.key() in self.seen

    def record(self, call: ToolCall) -> None:
        """Count an allowed call."""
        self.per_tool[call.name] = self.per_tool.get(call.name, 0) + 1
        self.seen.add(call.key())
