"""``TracedBrain``: one ``chat <model>`` span (CLIENT) around each model call of any brain.

Only metadata is recorded — model, token usage, cost, finish reason, error type — never the
messages, the tool arguments or the model's text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue

from agent.investigation.brain import Brain, BrainTurn
from agent.investigation.state import InvestigationState

from . import attributes as attr

_CLAUDE_PREFIX = "claude:"


def provider_and_model(brain_name: str) -> tuple[str, str]:
    """``gen_ai.provider.name`` and ``gen_ai.request.model`` for a brain, from its name.

    ``claude:<model>`` is Anthropic's ``<model>``; a local brain (``offline``, ``scripted``)
    is its own provider and model (see the provider convention in ``attributes``).
    """
    if brain_name.startswith(_CLAUDE_PREFIX):
        return "anthropic", brain_name.removeprefix(_CLAUDE_PREFIX)
    return brain_name, brain_name


class TokenUsage(Protocol):
    """Tokens and cost: of one model call (``ModelUsage``) or a whole run (``Usage``)."""

    @property
    def input_tokens(self) -> int:
        """Uncached input tokens."""
        ...

    @property
    def output_tokens(self) -> int:
        """Output tokens."""
        ...

    @property
    def cache_read_tokens(self) -> int:
        """Input tokens read from the prompt cache."""
        ...

    @property
    def cache_write_tokens(self) -> int:
        """Input tokens written to the prompt cache."""
        ...

    @property
    def cost_usd(self) -> float:
        """What the tokens cost."""
        ...


def usage_attributes(usage: TokenUsage) -> dict[str, AttributeValue]:
    """Token and cost attributes of a model call (or of all the calls of a run).

    The conventions count Anthropic's input tokens as input + cache read + cache write (the
    API reports the three separately), so the total input is what ``input_tokens`` holds.
    """
    return {
        attr.USAGE_INPUT_TOKENS: usage.input_tokens
        + usage.cache_read_tokens
        + usage.cache_write_tokens,
        attr.USAGE_OUTPUT_TOKENS: usage.output_tokens,
        attr.USAGE_CACHE_READ: usage.cache_read_tokens,
        attr.USAGE_CACHE_WRITE: usage.cache_write_tokens,
        attr.USAGE_COST_USD: usage.cost_usd,
    }


class TracedBrain:
    """A ``Brain`` that traces each call to the brain it wraps."""

    def __init__(self, inner: Brain, tracer: Tracer) -> None:
        # The same name: it is recorded in the state and the report as what reasoned.
        self.name = inner.name
        self.inner = inner
        self._tracer = tracer
        self._provider, self._model = provider_and_model(inner.name)

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        """The wrapped brain's next turn, in a chat span."""
        return self._traced("next", lambda: self.inner.next_turn(state, tools))

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        """The wrapped brain's final turn, in a chat span."""
        return self._traced("final", lambda: self.inner.final_turn(state, reason, submit_schema))

    def _traced(self, kind: str, turn: Callable[[], BrainTurn]) -> BrainTurn:
        with self._tracer.start_as_current_span(
            f"{attr.OP_CHAT} {self._model}",
            kind=SpanKind.CLIENT,
            attributes={
                attr.OPERATION_NAME: attr.OP_CHAT,
                attr.PROVIDER_NAME: self._provider,
                attr.REQUEST_MODEL: self._model,
                attr.TURN_KIND: kind,
            },
            # Exception events carry messages and tracebacks; error.type is all we record.
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                result = turn()
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute(attr.ERROR_TYPE, type(exc).__name__)
                raise
            span.set_attributes(usage_attributes(result.usage))
            span.set_attribute(attr.TURN_CALLS, len(result.calls))
            if result.stop_reason:
                span.set_attribute(attr.RESPONSE_FINISH_REASONS, [result.stop_reason])
            return result
