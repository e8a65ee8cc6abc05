"""Spans of an investigation with the scripted brain and fake tools."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode
from telemetry_fakes import (
    ALERT,
    NOW,
    SECRET_ARG,
    SECRET_OUTPUT,
    Capture,
    PolicyTools,
    make_deps,
)

from agent.brains.scripted import ScriptedBrain, call
from agent.bundle.model import Catalog
from agent.errors import BrainUnavailable
from agent.investigation.brain import BrainTurn, ToolRequest
from agent.investigation.budget import Budget, ModelUsage
from agent.investigation.state import CallRecord, InvestigationState
from agent.report.model import Report
from agent.telemetry import (
    TracedBrain,
    TracedToolRunner,
    instrument,
    policy_decision,
    traced_investigate,
)
from policies.check import check
from policies.decision import CallCounts, ToolCall
from policies.load import default_policy_path, load_policy
from policies.scope import derive_scope

USAGE = ModelUsage(
    input_tokens=100, output_tokens=20, cache_read_tokens=300, cache_write_tokens=50, cost_usd=0.01
)


def script() -> list[BrainTurn]:
    return [
        BrainTurn(
            calls=[
                call("query_logs", "c1", query=SECRET_ARG),
                call("deployment_history", "c2", name="payments"),
                call("get_secret", "c3", name="db-password"),
            ],
            usage=USAGE,
            stop_reason="tool_use",
        ),
        BrainTurn(calls=[call("query_logs", "c4", query="{app='payments'}")], usage=USAGE),
    ]


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def attrs(span: ReadableSpan) -> dict[str, object]:
    return dict(span.attributes or {})


def run(
    capture: Capture,
    brain: ScriptedBrain,
    tools: PolicyTools,
    budget: Budget | None = None,
) -> tuple[Report, ReadableSpan]:
    deps = instrument(make_deps(brain, tools, budget), capture.tracer)
    report = traced_investigate(ALERT, deps, tracer=capture.tracer)
    return report, capture.one("invoke_agent")


def test_one_agent_span_with_chat_and_tool_children() -> None:
    capture = Capture()
    tools = PolicyTools(denied=frozenset({"get_secret"}))
    report, agent = run(capture, ScriptedBrain(script()), tools)

    assert agent.name == "invoke_agent incident-investigator"
    assert agent.kind is SpanKind.INTERNAL
    a = attrs(agent)
    assert a["gen_ai.operation.name"] == "invoke_agent"
    assert a["gen_ai.agent.name"] == "incident-investigator"
    assert a["gen_ai.conversation.id"] == report.investigation_id
    assert a["incident.alert.fingerprint"] == "0123456789abcdef"
    assert a["incident.alert.name"] == "CheckoutErrors"
    assert a["agent.investigation.status"] == "complete"
    assert a["agent.investigation.steps"] == 3
    assert a["agent.investigation.tool_calls"] == 4
    assert a["agent.usage.cost_usd"] == pytest.approx(0.02)
    assert a["gen_ai.usage.input_tokens"] == 2 * 450
    assert agent.parent is None

    chats = capture.spans("chat ")
    assert [s.name for s in chats] == ["chat scripted"] * 3  # two scripted steps + submit
    for chat in chats:
        assert chat.kind is SpanKind.CLIENT
        assert parent_id(chat) == agent.context.span_id
        assert attrs(chat)["gen_ai.provider.name"] == "scripted"
        assert attrs(chat)["agent.turn.kind"] == "next"
    first = attrs(chats[0])
    assert first["gen_ai.usage.input_tokens"] == 450  # input + cache read + cache write
    assert first["gen_ai.usage.output_tokens"] == 20
    assert first["gen_ai.usage.cache_read.input_tokens"] == 300
    assert first["gen_ai.usage.cache_write.input_tokens"] == 50
    assert first["gen_ai.response.finish_reasons"] == ("tool_use",)
    assert "gen_ai.response.finish_reasons" not in attrs(chats[1])  # the brain gave none
    assert attrs(chats[2])["agent.turn.tool_calls"] == 1  # the submit_report call

    tool_spans = capture.spans("execute_tool ")
    assert [attrs(s)["gen_ai.tool.call.id"] for s in tool_spans] == ["c1", "c2", "c3", "c4"]
    for span in tool_spans:
        assert span.kind is SpanKind.INTERNAL
        assert parent_id(span) == agent.context.span_id
        assert attrs(span)["gen_ai.operation.name"] == "execute_tool"
        assert attrs(span)["gen_ai.tool.type"] == "function"
        assert span.name == f"execute_tool {attrs(span)['gen_ai.tool.name']}"
    by_id = {attrs(s)["gen_ai.tool.call.id"]: s for s in tool_spans}
    allowed, denied = by_id["c1"], by_id["c3"]
    assert attrs(allowed)["agent.policy.decision"] == "allow"
    assert attrs(allowed)["agent.policy.rule"] == "tools.query_logs"
    assert attrs(allowed)["agent.tool.status"] == "ok"
    assert attrs(allowed)["agent.tool.result_chars"] == len(SECRET_OUTPUT)
    assert allowed.status.status_code is StatusCode.UNSET
    assert attrs(denied)["agent.policy.decision"] == "deny"
    assert attrs(denied)["agent.policy.rule"] == "tool.not_allowed"
    assert attrs(denied)["agent.tool.status"] == "denied"
    assert denied.status.status_code is StatusCode.ERROR
    assert attrs(denied)["error.type"] == "denied"


def test_spans_hold_no_content() -> None:
    capture = Capture()
    run(capture, ScriptedBrain(script()), PolicyTools())
    values = [str(v) for s in capture.spans() for v in attrs(s).values()]
    values += [str(e.attributes) for s in capture.spans() for e in s.events]
    assert not [v for v in values if "hunter2" in v or "payments" in v]


def test_tool_batch_spans_cover_the_batch_and_failures_are_errors() -> None:
    capture = Capture()
    tools = PolicyTools(broken=frozenset({"query_logs"}))
    run(capture, ScriptedBrain(script()), tools)
    first_batch = [s for s in capture.spans("execute_tool ") if s.name != "execute_tool get_secret"]
    broken = [s for s in first_batch if attrs(s)["gen_ai.tool.name"] == "query_logs"]
    assert {attrs(s)["agent.tool.status"] for s in broken} == {"error"}
    assert {attrs(s)["agent.policy.decision"] for s in broken} == {"allow"}
    assert all(s.status.status_code is StatusCode.ERROR for s in broken)
    batch = capture.spans("execute_tool ")[:3]
    assert len({(s.start_time, s.end_time) for s in batch}) == 1
    chat_end = capture.spans("chat ")[0].end_time
    assert batch[0].start_time is not None and chat_end is not None
    assert batch[0].start_time >= chat_end  # tools run after the model answered


def test_budget_stop_traces_the_final_turn() -> None:
    capture = Capture()
    brain = ScriptedBrain(script(), repeat_last=True)
    _, agent = run(capture, brain, PolicyTools(), Budget(max_steps=2))
    kinds = [attrs(s)["agent.turn.kind"] for s in capture.spans("chat ")]
    assert kinds == ["next", "next", "final"]
    assert attrs(agent)["agent.investigation.status"] == "partial"


class Unreachable(ScriptedBrain):
    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        if state.turns:
            raise BrainUnavailable("Claude unreachable until the deadline")
        return super().next_turn(state, tools)


def test_brain_failure_sets_error_type_on_its_chat_span() -> None:
    capture = Capture()
    _, agent = run(capture, Unreachable(script()), PolicyTools())
    chats = capture.spans("chat ")
    assert len(chats) == 2
    assert chats[1].status.status_code is StatusCode.ERROR
    assert attrs(chats[1])["error.type"] == "BrainUnavailable"
    assert not chats[1].events  # no exception event: its message is not metadata
    assert "error.type" not in attrs(chats[0])
    assert attrs(agent)["agent.investigation.status"] == "partial"


def test_a_runner_exception_ends_every_span_as_an_error() -> None:
    class Exploding(PolicyTools):
        def run(self, calls: list[ToolRequest], allowed: CallCounts) -> list[CallRecord]:
            raise RuntimeError("dispatcher bug")

    capture = Capture()
    with pytest.raises(RuntimeError):
        run(capture, ScriptedBrain(script()), Exploding())
    tool_spans = capture.spans("execute_tool ")
    assert len(tool_spans) == 3
    assert {attrs(s)["error.type"] for s in tool_spans} == {"RuntimeError"}
    agent = capture.one("invoke_agent")
    assert agent.status.status_code is StatusCode.ERROR
    assert attrs(agent)["error.type"] == "RuntimeError"


def test_instrument_wraps_once_and_keeps_the_brain_name() -> None:
    capture = Capture()
    brain = ScriptedBrain([], name="scripted")
    deps = instrument(instrument(make_deps(brain, PolicyTools()), capture.tracer), capture.tracer)
    assert isinstance(deps.brain, TracedBrain) and deps.brain.inner is brain
    assert isinstance(deps.tools, TracedToolRunner) and isinstance(deps.tools.inner, PolicyTools)
    assert deps.brain.name == "scripted"


def test_without_a_tracer_there_is_no_agent_span() -> None:
    capture = Capture()
    deps = instrument(make_deps(ScriptedBrain(script()), PolicyTools()), capture.tracer)
    report = traced_investigate(ALERT, deps, tracer=None)
    assert report.status == "complete"
    assert capture.spans("invoke_agent") == []
    chats = capture.spans("chat ")
    assert len(chats) == 3 and all(s.parent is None for s in chats)


def test_policy_decision_reads_the_rules_policies_check_gives() -> None:
    # policy_decision relies on check() naming allowed calls' rules "tools.<name>".
    policy = load_policy(default_policy_path())
    scope = derive_scope(ALERT, Catalog(), policy)

    def decided(name: str) -> str | None:
        decision = check(ToolCall("x", name, {}), scope, policy, CallCounts(), now=NOW)
        record = CallRecord(id="x", name=name, arguments={}, rule=decision.rule)
        return policy_decision(record)

    assert decided("alert_context") == "allow"
    assert decided("delete_pod") == "deny"
    assert policy_decision(CallRecord(id="x", name="alert_context", arguments={})) is None
