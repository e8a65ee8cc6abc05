"""Limits of one investigation, checked before every model call.

A limit reached ends the run with a partial report; it is never an exception that loses work.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

# The Messages API bills a cache write at 1.25x and a cache read at 0.1x the input price (5-minute
# cache); used when a brain does not say how it was billed (scripted and offline brains).
DEFAULT_CACHE_WRITE_WEIGHT = 1.25
DEFAULT_CACHE_READ_WEIGHT = 0.1


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
        if usage.billed_tokens >= self.max_tokens:
            return f"token limit reached ({usage.billed_tokens}/{self.max_tokens} billed)"
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
    # Tokens weighted as billed: input and output at 1, cache writes and reads at their price
    # multipliers. The token budget counts these, so caching lengthens what a budget buys.
    billed_tokens: int = 0

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
        self.billed_tokens += other.billed()


class ModelUsage(BaseModel):
    """Tokens and cost of one model call."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    billed_tokens: int | None = None  # set by a brain that knows its price multipliers

    def billed(self) -> int:
        """Tokens weighted as billed (cache writes and reads at their price multipliers)."""
        if self.billed_tokens is not None:
            return self.billed_tokens
        return round(
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens * DEFAULT_CACHE_WRITE_WEIGHT
            + self.cache_read_tokens * DEFAULT_CACHE_READ_WEIGHT
        )

    def plus(self, other: ModelUsage) -> ModelUsage:
        """The sum of two calls' usage (a turn that took several requests)."""
        billed = None
        if self.billed_tokens is not None or other.billed_tokens is not None:
            billed = self.billed() + other.billed()
        return ModelUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, 6),
            billed_tokens=billed,
        )
