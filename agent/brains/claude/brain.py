"""The Claude brain: one Messages API call per turn, with our own bounded retries.

The SDK's retries are switched off (``max_retries=0`` on the client we are given) so that
retries do not stack: we honour ``retry-after``, back off with jitter on 429/529/5xx and
connection errors until the investigation's deadline, and never retry 400/401/403 or a
spend-limit 429.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import anthropic
from tenacity import RetryCallState, Retrying, retry_if_exception

from agent.config import ModelSettings
from agent.errors import BrainRejected, BrainUnavailable
from agent.investigation.brain import BrainTurn, ToolRequest
from agent.investigation.budget import ModelUsage
from agent.investigation.ledger import SUBMIT
from agent.investigation.state import InvestigationState

from .prompt import system_blocks, to_messages, tool_definitions

_MAX_OUTPUT_TOKENS = 4096
_BACKOFF_BASE_S = 1.0
_BACKOFF_CAP_S = 30.0


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, anthropic.APIConnectionError):  # includes timeouts
        return True
    if not isinstance(exc, anthropic.APIStatusError):
        return False
    if exc.status_code == 429:
        return "spend_limit" not in (exc.error_code or "")
    return exc.status_code >= 500


def _retry_after(exc: BaseException | None) -> float | None:
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None


class ClaudeBrain:
    """Chooses tool calls with Claude."""

    def __init__(
        self,
        client: anthropic.Anthropic,
        settings: ModelSettings,
        *,
        deadline: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.name = f"claude:{settings.model}"
        self._client = client
        self._settings = settings
        self._deadline = deadline
        self._monotonic = monotonic
        self._sleep = sleep
        self._rng = rng or random.Random()

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        """One model call with every tool available."""
        return self._call(to_messages(state), tool_definitions(tools), {"type": "auto"})

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        """One model call forced to ``submit_report``."""
        return self._call(
            to_messages(state, final_reason=reason),
            tool_definitions([submit_schema]),
            {"type": "tool", "name": SUBMIT},
        )

    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        backoff = min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2 ** (retry_state.attempt_number - 1))
        jittered = self._rng.uniform(backoff / 2, backoff)
        hinted = _retry_after(exc)
        return max(jittered, hinted) if hinted is not None else jittered

    def _past_deadline(self, retry_state: RetryCallState) -> bool:
        # Stop when the wait tenacity just chose would end past the deadline.
        return self._monotonic() + retry_state.upcoming_sleep >= self._deadline()

    def _call(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], choice: dict[str, Any]
    ) -> BrainTurn:
        retrying = Retrying(
            retry=retry_if_exception(_retryable),
            wait=self._wait,
            stop=self._past_deadline,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response = retrying(
                self._client.messages.create,
                model=self._settings.model,
                max_tokens=_MAX_OUTPUT_TOKENS,
                system=system_blocks(),
                tools=tools,
                tool_choice=choice,
                messages=messages,
            )
        except anthropic.APIStatusError as exc:
            detail = f"HTTP {exc.status_code} {exc.type or ''} {exc.api_message or exc.message}"
            if _retryable(exc):
                raise BrainUnavailable(f"Claude unavailable until the deadline: {detail}") from exc
            raise BrainRejected(f"Claude refused the request: {detail}") from exc
        except anthropic.APIConnectionError as exc:
            raise BrainUnavailable(f"Claude unreachable until the deadline: {exc}") from exc
        return self._turn(response)

    def _turn(self, response: Any) -> BrainTurn:
        calls = [
            ToolRequest(id=block.id, name=block.name, arguments=dict(block.input or {}))
            for block in response.content
            if block.type == "tool_use" and isinstance(block.input, dict)
        ]
        text = "\n".join(block.text for block in response.content if block.type == "text")
        return BrainTurn(
            calls=calls,
            text=text,
            usage=self._usage(response.usage),
            stop_reason=response.stop_reason,
        )

    def _usage(self, usage: Any) -> ModelUsage:
        s = self._settings
        read = int(getattr(usage, "cache_read_input_tokens", 0) or 0)
        write = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
        cost = (
            usage.input_tokens * s.input_price
            + usage.output_tokens * s.output_price
            + write * s.input_price * s.cache_write_multiplier
            + read * s.input_price * s.cache_read_multiplier
        ) / 1_000_000
        return ModelUsage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=read,
            cache_write_tokens=write,
            cost_usd=round(cost, 6),
        )
