"""The serialisable state of one investigation: its transcript, ledger and usage.

State is plain data: it can be persisted after every step and resumed. Collaborators (brain,
clients, policy, clock) live in ``InvestigationDeps``; what a tool sees is ``ToolContext``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.alerts.model import Alert
from policies.decision import CallCounts

from .budget import ModelUsage, Usage

HypothesisStatus = Literal["open", "supported", "refuted"]


class CallRecord(BaseModel):
    """One tool call as the model made it and the (redacted) output it got back."""

    id: str
    name: str
    arguments: dict[str, Any]
    status: str = "ok"
    output: str = ""
    request: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    gap: str | None = None
    rule: str | None = None
    decision: str | None = None  # "allow" or "deny" by the policy; None for ledger calls
    duration_ms: float = 0.0
    raw_bytes: int = 0  # what the backend returned, before the tool summarised it
    is_error: bool = False
    ref: str = ""  # the short reference the model cites ("R7"), unique in the investigation


class Turn(BaseModel):
    """One brain turn: its text, its tool calls with their results, and what it cost."""

    index: int
    text: str = ""
    calls: list[CallRecord] = Field(default_factory=list)
    usage: ModelUsage = Field(default_factory=ModelUsage)
    stop_reason: str | None = None
    tool_seconds: float = 0.0  # wall time spent running this turn's backend calls
    # The assistant message exactly as the model sent it (thinking blocks and signatures
    # included), for brains that must send it back verbatim; empty for other brains.
    content: list[dict[str, Any]] = Field(default_factory=list)
    # What the model is told after this turn's results: the ledger and the budget left.
    # Stored, not recomputed, so the transcript sent back later is byte-identical.
    status: str = ""


class EvidenceItem(BaseModel):
    """A quote from a tool call's output, checked against that output."""

    tool_call_id: str
    quote: str
    tool: str = ""
    query: str = ""
    verified: bool = False


class HypothesisEntry(BaseModel):
    """A hypothesis in the ledger."""

    id: str
    statement: str
    component: str
    category: str
    rationale: str = ""
    status: HypothesisStatus = "open"
    confidence: float = 0.3
    evidence: list[EvidenceItem] = Field(default_factory=list)


class InvestigationState(BaseModel):
    """Everything an investigation has done so far."""

    id: str
    alert: Alert
    brain: str
    started_at: datetime
    turns: list[Turn] = Field(default_factory=list)
    hypotheses: list[HypothesisEntry] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    # What the policy has allowed so far (per-tool caps, repeat detection); resumes keep it.
    tool_calls: CallCounts = Field(default_factory=CallCounts)
    data_gaps: list[str] = Field(default_factory=list)
    final: dict[str, Any] | None = None
    ended_reason: str | None = None
    # Per-investigation context for the model (clock, window, scope, limits, catalogue).
    briefing: str = ""

    def call(self, call_id: str) -> CallRecord | None:
        """The tool call with this id or reference (``R7``, ``[R7]``), if any turn made it."""
        ref = call_id.strip().strip("[]")
        for turn in self.turns:
            for record in turn.calls:
                if record.id == call_id or (record.ref and record.ref == ref):
                    return record
        return None

    def call_count(self) -> int:
        """How many calls (backend and ledger) the investigation has recorded."""
        return sum(len(turn.calls) for turn in self.turns)

    def hypothesis(self, hypothesis_id: str) -> HypothesisEntry | None:
        """The ledger entry with this id."""
        return next((h for h in self.hypotheses if h.id == hypothesis_id), None)
