"""Limits of one investigation, checked before every model call.

A limit reached ends the run with a partial report; it is never an exception that loses work.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Budget:
    """The most one investigation may spend."""

    max_steps: int = 30
    max_tool_calls: int = 60
    max_tokens: int = 400_000
    max_wall_seconds: float = 300.0
    max_cost_usd: float = 2.0

    def exceeded(self, usage: Usage, elapsed_seconds: float) -> str | None:
        """The first limit reached, as a sentence, or ``None`` while within budget."""
        if usage.steps >= self.max_steps:
            return f"step limit reached ({usage.steps}/{self.max_steps})"
        if usage.tool_calls >= self.max_tool_calls:
            return f"tool-call limit reached ({usage.tool_calls}/{self.max_tool_calls})"
        if usage.total_tokens >= self.max_tokens:
            return f"token limit reached ({usage.total_tokens}/{self.max_tokens})"
        if elapsed_seconds >= self.max_wall_seconds:
            return f"time limit reached ({elapsed_seconds:.0f}s/{self.max_wall_seconds:.0f}s)"
        if usage.cost_usd >= self.max_cost_usd:
            return f"cost limit reached (${usage.cost_usd:.2f}/${self.max_cost_usd:.2f})"
        return None


class Usage(BaseModel):
    """What an investigation has spent so far (serialisable, part of its state)."""

    steps: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    tool_result_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        """Every token sent to or received from the model."""
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )

    def add_model_usage(self, other: ModelUsage) -> None:
        """Account one model call."""
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.cost_usd = round(self.cost_usd + other.cost_usd, 6)


class ModelUsage(BaseModel):
    """Tokens and cost of one model call."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
