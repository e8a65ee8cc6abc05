"""The tool dispatch pipeline: look up → validate → policy check → execute → redact → budget.

Every call ends as a ``DispatchOutcome`` and one audit record, whatever happens: an unknown
tool, invalid arguments and a denial go back to the model as correctable errors; a backend
failure becomes a data gap; any other exception from a tool becomes an error result. Nothing
a tool does can crash the investigation loop.

Decisions are made one call at a time, in call order, so caps and repeat detection are exact;
only execution runs concurrently.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from agent.audit import AuditLog
from agent.errors import BackendError
from policies.check import check
from policies.decision import Allow, CallCounts, Decision, Deny, ToolCall
from policies.model import Policy
from tools.base import Registry, Tool, ToolContext, ToolInput, ToolResult

from .budget import fit, precap
from .render import render_for_model


class Redactor(Protocol):
    """What the pipeline needs from ``agent.safety.redact.Redactor``."""

    def redact(self, text: str) -> str:
        """Redact one string."""
        ...

    def redact_obj(self, obj: Any) -> Any:
        """Redact every string in JSON-like data."""
        ...


@dataclass(frozen=True, slots=True)
class DispatchOutcome:
    """What came of one call: the redacted, budgeted result and how it was decided."""

    call: ToolCall
    result: ToolResult
    decision: Decision
    duration_ms: float
    arguments: dict[str, Any]  # as validated (JSON form); empty when validation failed
    text: str  # render_for_model(result), within the budget


@dataclass(slots=True)
class _Admitted:
    call: ToolCall
    tool: Tool
    inputs: ToolInput
    decision: Allow
    result: ToolResult | None = None
    duration_ms: float = 0.0


@dataclass(slots=True)
class _Refused:
    call: ToolCall
    decision: Deny
    status: str
    arguments: dict[str, Any] = field(default_factory=dict)


class Dispatcher:
    """Runs the model's tool calls for one investigation."""

    def __init__(
        self,
        registry_view: Registry,
        policy: Policy,
        ctx: ToolContext,
        redactor: Redactor,
        audit: AuditLog,
        *,
        investigation_id: str | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._registry = registry_view
        self._policy = policy
        self._ctx = ctx
        self._redactor = redactor
        self._audit = audit
        self._investigation_id = investigation_id or ctx.alert.fingerprint
        self._timer = timer
        self.usage = CallCounts()

    def dispatch(self, call: ToolCall) -> DispatchOutcome:
        """Run one call through the whole pipeline."""
        return self.dispatch_many([call], max_parallel=1)[0]

    def dispatch_many(
        self, calls: Sequence[ToolCall], max_parallel: int = 4, usage: CallCounts | None = None
    ) -> list[DispatchOutcome]:
        """Run several calls, the allowed ones concurrently; outcomes come in call order.

        ``usage`` is the investigation's persisted record of allowed calls; without it the
        dispatcher's own (``self.usage``) is used.
        """
        counts = self.usage if usage is None else usage
        plans = [self._admit(call, counts) for call in calls]
        runnable = [p for p in plans if isinstance(p, _Admitted)]
        if runnable:
            workers = max(1, min(max_parallel, len(runnable)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tool") as pool:
                list(pool.map(self._execute, runnable))
        return [self._finish(plan) for plan in plans]

    def _admit(self, call: ToolCall, usage: CallCounts) -> _Admitted | _Refused:
        tool = self._registry.get(call.name)
        if tool is None:
            available = ", ".join(self._registry.names()) or "none"
            reason = f"unknown tool {call.name!r}; available tools: {available}"
            return _Refused(call, Deny("tool.unknown", reason), "error")
        try:
            # Strict JSON validation: nothing is coerced (no 5 → "5", no "5" → 5), while
            # times still arrive as RFC3339 strings, as they do from the model.
            payload = json.dumps(call.arguments)
            inputs = tool.input_model.model_validate_json(payload, strict=True)
        except (TypeError, ValueError) as exc:
            reason = f"invalid arguments for {call.name}: {_explain(exc)}"
            return _Refused(call, Deny("args.invalid", reason), "error")
        arguments = inputs.model_dump(mode="json")
        checked = ToolCall(call.id, call.name, arguments)
        decision = check(checked, self._ctx.scope, self._policy, usage, now=self._ctx.now)
        if isinstance(decision, Deny):
            return _Refused(checked, decision, "denied", arguments)
        usage.record(checked)
        return _Admitted(checked, tool, inputs, decision)

    def _execute(self, plan: _Admitted) -> None:
        started = self._timer()
        try:
            result = plan.tool.func(plan.inputs, self._ctx)
            if not isinstance(result, ToolResult):
                raise TypeError(f"returned {type(result).__name__}, not ToolResult")
        except BackendError as exc:
            result = ToolResult(
                tool=plan.call.name,
                status="error",
                summary=f"{plan.call.name}: the backend failed; no data for this request",
                gap=f"{type(exc).__name__}: {exc}",
            )
        except Exception as exc:  # a tool bug must not end the investigation
            result = ToolResult(
                tool=plan.call.name,
                status="error",
                summary=f"tool failed: {type(exc).__name__}: {exc}",
            )
        plan.result = result
        plan.duration_ms = (self._timer() - started) * 1000

    def _finish(self, plan: _Admitted | _Refused) -> DispatchOutcome:
        max_chars = self._ctx.limits.max_chars
        if isinstance(plan, _Admitted):
            assert plan.result is not None  # set by _execute
            result = self._redact(precap(plan.result, max_chars))
            decision: Decision = plan.decision
            arguments, duration = plan.call.arguments, plan.duration_ms
        else:
            result = self._redact(_refusal(plan))
            decision, arguments, duration = plan.decision, plan.arguments, 0.0
        result = fit(result, max_chars, render_for_model)
        text = render_for_model(result)
        self._audit.append(
            investigation_id=self._investigation_id,
            call_id=plan.call.id,
            tool=plan.call.name,
            arguments=self._redacted_arguments(plan.call.arguments),
            decision="allow" if isinstance(decision, Allow) else _refusal_kind(decision),
            rule=decision.rule,
            reason="" if isinstance(decision, Allow) else self._redactor.redact(decision.reason),
            status=result.status,
            result_chars=len(text),
            duration_ms=round(duration, 3),
            truncated=result.status == "truncated" or _was_cut(result),
            flags=result.flags,
        )
        return DispatchOutcome(plan.call, result, decision, duration, arguments, text)

    def _redact(self, result: ToolResult) -> ToolResult:
        redacted = self._redactor.redact_obj(result.model_dump(mode="json"))
        return ToolResult.model_validate(redacted)

    def _redacted_arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        # Arguments of refused calls may hold anything the model produced: make them JSON.
        plain = json.loads(json.dumps(arguments, default=repr))
        redacted = self._redactor.redact_obj(plain)
        return redacted if isinstance(redacted, dict) else {"arguments": redacted}


def _refusal(plan: _Refused) -> ToolResult:
    hint = (
        "the call did not run; correct it and call again, or move on"
        if plan.decision.rule != "calls.repeat"
        else "the call did not run; move on to a different question"
    )
    return ToolResult(
        tool=plan.call.name,
        status="denied" if plan.status == "denied" else "error",
        summary=f"{plan.decision.rule}: {plan.decision.reason}",
        hints=[hint],
    )


def _refusal_kind(decision: Deny) -> str:
    return "error" if decision.rule in {"tool.unknown", "args.invalid"} else "deny"


def _was_cut(result: ToolResult) -> bool:
    return any("truncated" in hint for hint in result.hints)


def _explain(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        # Field and message only: echoing input values could repeat a secret the model saw.
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(arguments)'}: {err['msg']}"
            for err in exc.errors()
        )
    return f"arguments are not JSON: {exc}"
