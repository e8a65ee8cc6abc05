"""The Claude brain: one Messages API turn per loop step, every stop reason handled.

One turn may take several requests, all paid for and all accounted in the turn's usage:

- ``max_tokens``: the answer was cut off. Its tool calls are never run (a truncated LogQL
  string can be valid and wrong); the turn is asked again with twice the output limit, up to
  ``max_output_tokens_cap``. If it is still cut off, the loop ends the run as partial.
- ``refusal``: asked once more with ``fallback_model`` when one is configured; otherwise the
  loop stops and records the refusal as the reason.
- ``model_context_window_exceeded``: asked again with old tool results cleared; if that does
  not help, the loop goes to the final turn. A ``count_tokens`` pre-check compacts before
  sending a request that would not fit.
- ``pause_turn``: continued by sending the paused content back, a bounded number of times.

Each request has a timeout of ``min(request_timeout_s, time left)``; failures are retried with
jittered backoff until the investigation's deadline (``retry``). The final turn gets a short
grace period past the deadline so that a report can still be written.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import anthropic
from tenacity import RetryCallState, Retrying, retry_if_exception

from agent.config.settings import ModelSettings
from agent.errors import BrainRejected, BrainUnavailable
from agent.investigation.brain import BrainTurn, ToolRequest
from agent.investigation.budget import ModelUsage
from agent.investigation.ledger import SUBMIT
from agent.investigation.state import InvestigationState

from .prompt import system_blocks, tool_definitions
from .retry import retry_after, retryable
from .transcript import to_messages

CONTEXT_EXCEEDED = "model_context_window_exceeded"
_BACKOFF_BASE_S = 1.0
_BACKOFF_CAP_S = 30.0
_FINAL_GRACE_S = 60.0  # the final turn may run this long past the deadline
_MAX_CONTINUATIONS = 3  # pause_turn continuations per turn
# A rough size estimate: JSON characters / 3 (an overestimate for English and JSON).
_CHARS_PER_TOKEN = 3
# Clear old tool results once the estimate passes this share of the context window; ask
# count_tokens whether it fits once it passes the second.
_CLEAR_SHARE = 0.5
_PRECHECK_SHARE = 0.6


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
        self._tools: list[dict[str, Any]] | None = None

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        """One turn with every tool available."""
        self._tools = tool_definitions(tools)
        return self._turn(state, self._tools, {"type": "auto"}, None, self._deadline())

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        """One turn that must call ``submit_report``.

        The tools array stays the one every turn sent (a different one would miss the cache);
        ``tool_choice`` forces the call, except with thinking on, where the API refuses a forced
        tool: then the instruction alone asks for it and the loop checks that it came.
        """
        tools = self._tools or tool_definitions([submit_schema])
        thinking = self._settings.thinking_budget is not None
        choice = {"type": "auto"} if thinking else {"type": "tool", "name": SUBMIT}
        note = (
            f"The investigation must stop now ({reason}). Call submit_report with your best "
            "conclusion from the evidence so far, and list what is still unknown."
        )
        deadline = max(self._deadline(), self._monotonic() + _FINAL_GRACE_S)
        return self._turn(state, tools, choice, note, deadline)

    def _turn(
        self,
        state: InvestigationState,
        tools: list[dict[str, Any]],
        choice: dict[str, Any],
        note: str | None,
        deadline: float,
    ) -> BrainTurn:
        s = self._settings
        compact = bool(state.turns) and state.turns[-1].stop_reason == CONTEXT_EXCEEDED
        request: dict[str, Any] = {
            "system": system_blocks([t["name"] for t in tools]),
            "tools": tools,
            "tool_choice": choice,
            "messages": to_messages(state, final_note=note, clearing="all" if compact else "none"),
        }
        if s.thinking_budget is not None:
            request["thinking"] = {"type": "enabled", "budget_tokens": s.thinking_budget}
        max_tokens = max(s.max_output_tokens, (s.thinking_budget or 0) + 1024)
        if not compact and _estimate(request) > _CLEAR_SHARE * s.context_window:
            request["messages"] = to_messages(state, final_note=note, clearing="old")
        if not compact and not self._fits(request, s.model, max_tokens, deadline):
            compact = True
            request["messages"] = to_messages(state, final_note=note, clearing="all")
        model, usage = s.model, ModelUsage()
        while True:
            stop, content, used = self._respond(request, model, max_tokens, deadline)
            usage = usage.plus(used)
            if stop == "max_tokens" and max_tokens < s.max_output_tokens_cap:
                max_tokens = min(s.max_output_tokens_cap, max_tokens * 2)
            elif stop == "refusal" and s.fallback_model and model != s.fallback_model:
                model = s.fallback_model
            elif stop == CONTEXT_EXCEEDED and not compact:
                compact = True
                request["messages"] = to_messages(state, final_note=note, clearing="all")
            else:
                return _brain_turn(content, stop, usage)

    def _respond(
        self, request: dict[str, Any], model: str, max_tokens: int, deadline: float
    ) -> tuple[str | None, list[dict[str, Any]], ModelUsage]:
        """One answer, continued through ``pause_turn``: stop reason, content, usage."""
        content: list[dict[str, Any]] = []
        usage = ModelUsage()
        for _ in range(_MAX_CONTINUATIONS + 1):
            messages = request["messages"]
            if content:  # continue the paused answer: send it back as the assistant's turn
                messages = [*messages, {"role": "assistant", "content": content}]
            response = self._create(
                {**request, "messages": messages, "model": model, "max_tokens": max_tokens},
                deadline,
            )
            usage = usage.plus(self._usage(response.usage))
            content += [b.model_dump(mode="json", exclude_none=True) for b in response.content]
            if response.stop_reason != "pause_turn":
                break
        return response.stop_reason, content, usage

    def _fits(self, request: dict[str, Any], model: str, max_tokens: int, deadline: float) -> bool:
        """Whether the request fits the context window (``count_tokens`` when it might not)."""
        window = self._settings.context_window
        if _estimate(request) < _PRECHECK_SHARE * window:
            return True
        try:
            counted = self._client.messages.count_tokens(
                model=model,
                system=request["system"],
                tools=request["tools"],
                messages=request["messages"],
                timeout=self._timeout(deadline),
                **({"thinking": request["thinking"]} if "thinking" in request else {}),
            )
        except anthropic.APIError:
            return True  # counting is an optimisation; the request itself will tell
        return counted.input_tokens + max_tokens <= window

    def _timeout(self, deadline: float) -> float:
        return max(1.0, min(self._settings.request_timeout_s, deadline - self._monotonic()))

    def _create(self, params: dict[str, Any], deadline: float) -> Any:
        def wait(retry_state: RetryCallState) -> float:
            exc = retry_state.outcome.exception() if retry_state.outcome else None
            backoff = min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2 ** (retry_state.attempt_number - 1))
            jittered = self._rng.uniform(backoff / 2, backoff)
            hinted = retry_after(exc)
            return max(jittered, hinted) if hinted is not None else jittered

        def past_deadline(retry_state: RetryCallState) -> bool:
            return self._monotonic() + retry_state.upcoming_sleep >= deadline

        def attempt() -> Any:
            return self._client.messages.create(**params, timeout=self._timeout(deadline))

        retrying = Retrying(
            retry=retry_if_exception(retryable),
            wait=wait,
            stop=past_deadline,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except anthropic.APIStatusError as exc:
            detail = f"HTTP {exc.status_code} {exc.type or ''} {exc.api_message or exc.message}"
            if retryable(exc):
                raise BrainUnavailable(f"Claude unavailable until the deadline: {detail}") from exc
            raise BrainRejected(f"Claude refused the request: {detail}") from exc
        except anthropic.APIConnectionError as exc:
            raise BrainUnavailable(f"Claude unreachable until the deadline: {exc}") from exc

    def _usage(self, usage: Any) -> ModelUsage:
        s = self._settings
        read = int(getattr(usage, "cache_read_input_tokens", 0) or 0)
        write = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
        weighted_input = (
            usage.input_tokens + write * s.cache_write_multiplier + read * s.cache_read_multiplier
        )
        cost = (weighted_input * s.input_price + usage.output_tokens * s.output_price) / 1e6
        return ModelUsage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=read,
            cache_write_tokens=write,
            cost_usd=round(cost, 6),
            billed_tokens=round(weighted_input + usage.output_tokens),
        )


def _estimate(request: dict[str, Any]) -> float:
    """Tokens of ``request``, overestimated from its JSON size."""
    return len(json.dumps(request)) / _CHARS_PER_TOKEN


def _brain_turn(content: list[dict[str, Any]], stop: str | None, usage: ModelUsage) -> BrainTurn:
    calls = [
        ToolRequest(id=b["id"], name=b["name"], arguments=dict(b.get("input") or {}))
        for b in content
        if b.get("type") == "tool_use" and isinstance(b.get("input"), dict)
    ]
    text = "\n".join(b["text"] for b in content if b.get("type") == "text" and b["text"].strip())
    return BrainTurn(calls=calls, text=text, usage=usage, stop_reason=stop, content=content)
