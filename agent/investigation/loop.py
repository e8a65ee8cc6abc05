"""The investigation loop: ``investigate(alert, deps) -> Report``.

A bounded loop with an explicit transcript. Each step checks the budget, asks the brain for
tool calls, runs them (ledger calls here, backend calls through the dispatcher: validate →
policy → execute → redact → budget), and records everything in the state. When a limit is
reached the brain gets one last turn forced to ``submit_report``, and the report is marked
partial: work done is never thrown away.

How a turn ended decides what happens next (``stop_reason``, as the Messages API names it):
``refusal`` ends the run with the refusal as its reason; ``max_tokens`` with tool calls ends
it as partial without running the cut-off calls; ``model_context_window_exceeded`` goes to the
final turn; a second ``end_turn`` in a row without a tool call goes to the final turn too.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from agent.alerts.model import Alert
from agent.errors import BrainError, BrainRejected
from agent.report.model import Report
from policies.decision import CallCounts

from .brain import Brain, BrainTurn, ToolRequest
from .budget import Budget
from .ledger import LEDGER_TOOLS, SUBMIT, apply_ledger_call, ledger_schemas, parse_submission
from .report_builder import ReportContext, build_report
from .state import CallRecord, InvestigationState, Turn
from .status import compact_status, without_calls


class ToolRunner(Protocol):
    """Runs backend tool calls (validate, policy, execute, redact, budget, audit)."""

    def schemas(self) -> list[dict[str, Any]]:
        """Model-facing definitions of the backend tools the policy allows."""
        ...

    def run(self, calls: list[ToolRequest], allowed: CallCounts) -> list[CallRecord]:
        """Run the calls (possibly in parallel) and return their records in order.

        ``allowed`` is the investigation's record of calls the policy already allowed (part
        of its state): the runner checks caps and repeats against it and adds to it.
        """
        ...


@dataclass
class InvestigationDeps:
    """The collaborators of one investigation."""

    brain: Brain
    tools: ToolRunner
    report_context: ReportContext
    budget: Budget = field(default_factory=Budget)
    monotonic: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    on_step: Callable[[InvestigationState], None] | None = None
    should_stop: Callable[[], str | None] = lambda: None
    redact: Callable[[str], str] | None = None
    briefing: str = ""  # per-investigation context for the model (see ``briefing``)


def new_state(alert: Alert, brain: Brain, started_at: datetime) -> InvestigationState:
    """A fresh state with a new investigation id."""
    return InvestigationState(
        id=f"inv-{uuid.uuid4().hex[:12]}", alert=alert, brain=brain.name, started_at=started_at
    )


def investigate(
    alert: Alert, deps: InvestigationDeps, state: InvestigationState | None = None
) -> Report:
    """Investigate ``alert`` and return a report (complete, partial or failed).

    Passing ``state`` resumes an earlier run from its last completed step.
    """
    state = state or new_state(alert, deps.brain, deps.wall_clock())
    if deps.redact is not None:
        # The alert's own text is telemetry too: redact it before any brain sees it.
        redact = deps.redact
        state.alert = state.alert.model_copy(
            update={
                "labels": {k: redact(v) for k, v in state.alert.labels.items()},
                "annotations": {k: redact(v) for k, v in state.alert.annotations.items()},
            }
        )
    state.briefing = state.briefing or deps.briefing
    schemas = deps.tools.schemas() + ledger_schemas()
    started = deps.monotonic()
    partial_reason: str | None = None
    while state.final is None:
        elapsed = deps.monotonic() - started
        reason = deps.budget.exceeded(state.usage, elapsed) or deps.should_stop()
        if reason is not None:
            partial_reason = reason
            _final_turn(state, deps, reason)
            break
        try:
            turn = deps.brain.next_turn(state, schemas)
        except BrainError as exc:
            partial_reason = f"degraded: {type(exc).__name__}: {exc}"
            state.ended_reason = partial_reason
            if isinstance(exc, BrainRejected) and not state.turns:
                return build_report(state, deps.report_context, "failed", deps.wall_clock())
            break
        ending = _ending(state, turn)
        run_calls = ending is None or ending.run_calls
        _record_turn(state, deps, turn, run_calls=run_calls, started=started)
        if deps.on_step is not None:
            deps.on_step(state)
        if ending is not None:
            partial_reason = ending.reason
            if ending.final_turn:
                _final_turn(state, deps, ending.reason)
            state.ended_reason = state.ended_reason or ending.reason
            break
    status = "partial" if partial_reason or state.final is None else "complete"
    if partial_reason and state.ended_reason is None:
        state.ended_reason = partial_reason
    return build_report(state, deps.report_context, status, deps.wall_clock())


@dataclass(frozen=True, slots=True)
class _Ending:
    """Why a turn ends the run, whether its calls still run, and whether a final turn follows."""

    reason: str
    final_turn: bool
    run_calls: bool = False


def _ending(state: InvestigationState, turn: BrainTurn) -> _Ending | None:
    """What the way ``turn`` stopped means for the run; ``None`` to go on."""
    stop = turn.stop_reason
    if stop == "refusal":
        return _Ending("the model refused to continue (stop_reason: refusal)", final_turn=False)
    if stop == "max_tokens" and turn.calls:
        return _Ending(
            "the model's answer was cut off at its output limit; its cut-off tool calls were "
            "not run",
            final_turn=False,
        )
    if stop == "model_context_window_exceeded":
        return _Ending("the conversation outgrew the model's context window", final_turn=True)
    if stop == "end_turn" and not turn.calls:
        last = state.turns[-1] if state.turns else None
        if last is not None and last.stop_reason == "end_turn" and not last.calls:
            return _Ending(
                "the model ended its turn twice without calling submit_report", final_turn=True
            )
    return None


def _record_turn(
    state: InvestigationState,
    deps: InvestigationDeps,
    turn: BrainTurn,
    *,
    run_calls: bool,
    started: float,
) -> None:
    state.usage.steps += 1
    state.usage.add_model_usage(turn.usage)
    calls = turn.calls if run_calls else []
    record = Turn(
        index=len(state.turns),
        text=turn.text,
        usage=turn.usage,
        stop_reason=turn.stop_reason,
        # A call not run must not appear as a tool_use: it would need a tool_result.
        content=turn.content if run_calls else without_calls(turn.content),
    )
    backend = [c for c in calls if c.name not in LEDGER_TOOLS]
    began = deps.monotonic()
    backend_records = (
        {r.id: r for r in deps.tools.run(backend, state.tool_calls)} if backend else {}
    )
    record.tool_seconds = round(deps.monotonic() - began, 6) if backend else 0.0
    state.usage.tool_calls += len(backend)
    first_ref = state.call_count() + 1
    for number, call in enumerate(calls, start=first_ref):
        if call.name in LEDGER_TOOLS:
            result = _ledger(state, call)
        else:
            result = backend_records[call.id]
            state.usage.tool_result_tokens += len(result.output) // 4
            if result.gap and result.gap not in state.data_gaps:
                state.data_gaps.append(result.gap)
        result.ref = f"R{number}"
        record.calls.append(result)
    state.turns.append(record)
    record.status = compact_status(state, deps.budget, deps.monotonic() - started)


def _ledger(state: InvestigationState, call: ToolRequest) -> CallRecord:
    record = CallRecord(id=call.id, name=call.name, arguments=call.arguments)
    try:
        if call.name == SUBMIT:
            state.final = parse_submission(call.arguments).model_dump(mode="json")
            record.output = "report submitted"
        else:
            record.output = apply_ledger_call(state, call.name, call.arguments)
    except ValueError as exc:
        record.status, record.is_error, record.output = "error", True, str(exc)
    return record


def _final_turn(state: InvestigationState, deps: InvestigationDeps, reason: str) -> None:
    submit_schema = next(s for s in ledger_schemas() if s["name"] == SUBMIT)
    try:
        turn = deps.brain.final_turn(state, reason, submit_schema)
    except BrainError as exc:
        state.ended_reason = f"{reason}; final turn failed: {type(exc).__name__}: {exc}"
        return
    submits = [c for c in turn.calls if c.name == SUBMIT]
    state.usage.add_model_usage(turn.usage)
    record = Turn(index=len(state.turns), text=turn.text, usage=turn.usage)
    if submits:
        submitted = _ledger(state, submits[0])
        submitted.ref = f"R{state.call_count() + 1}"
        record.calls.append(submitted)
    state.turns.append(record)
    state.ended_reason = reason
