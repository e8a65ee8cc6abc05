"""Every Messages API answer the loop must handle, through the real SDK, brain and loop."""

from __future__ import annotations

import json
from typing import Any

import httpx2
from anthropic_fakes import (
    SIGNATURE,
    FakeMessagesAPI,
    Hang,
    SleepClock,
    error_body,
    message,
    ok,
    redacted_thinking,
    refusal,
    submit,
    text,
    thinking,
    tool_use,
    truncated_tool_use,
)
from loop_fakes import ALERT, NOW, FakeTools, deps

from agent.alerts.model import Alert
from agent.brains.claude import ClaudeBrain
from agent.config.settings import ModelSettings
from agent.investigation.budget import Budget
from agent.investigation.loop import investigate, new_state
from agent.investigation.state import InvestigationState
from agent.report.model import Report

LAST_STATE: list[InvestigationState] = []  # the state of the latest run, for assertions
HISTORY = tool_use("toolu_h", "deployment_history", {"namespace": "shop"})


def run(
    api: FakeMessagesAPI,
    *,
    settings: ModelSettings | None = None,
    budget: Budget | None = None,
    alert: Alert = ALERT,
    deadline: float = 300.0,
) -> tuple[Report, FakeTools]:
    clock = SleepClock()
    brain = ClaudeBrain(
        api.client(),
        settings or ModelSettings(),
        deadline=lambda: deadline,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    tools = FakeTools()
    LAST_STATE.clear()
    state = new_state(alert, brain, NOW)
    LAST_STATE.append(state)
    return investigate(alert, deps(brain, tools, budget, briefing="- Now: 14:30Z"), state), tools


def assistant(request: dict[str, Any], index: int = 1) -> list[dict[str, Any]]:
    message_ = request["messages"][index]
    assert message_["role"] == "assistant"
    return list(message_["content"])


def test_whitespace_only_text_is_not_sent_back() -> None:
    api = FakeMessagesAPI([ok(message([text("\n\n"), HISTORY])), ok(submit())])
    report, tools = run(api)
    assert report.status == "complete" and [c.name for c in tools.calls] == ["deployment_history"]
    sent = assistant(api.requests[1])
    assert [b["type"] for b in sent] == ["tool_use"]


def test_thinking_blocks_go_back_verbatim_and_the_final_turn_is_not_forced() -> None:
    first = message(
        [thinking("The 5xx began at 14:20; check rollouts."), redacted_thinking(), HISTORY]
    )
    api = FakeMessagesAPI([ok(first), ok(submit())])
    settings = ModelSettings(thinking_budget=2048)
    report, _ = run(api, settings=settings, budget=Budget(max_steps=1))
    sent = assistant(api.requests[1])
    assert sent[0] == {
        "type": "thinking",
        "thinking": first["content"][0]["thinking"],
        "signature": SIGNATURE,
    }
    assert sent[1] == first["content"][1]
    assert sent[2]["type"] == "tool_use"
    # The final turn with thinking on: the API refuses a forced tool, so it is asked, not forced.
    final = api.requests[1]
    assert final["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert final["tool_choice"] == {"type": "auto"}
    assert "submit_report" in final["messages"][-1]["content"][-1]["text"]
    assert final["max_tokens"] > 2048
    assert report.status == "partial" and LAST_STATE[0].final is not None


def test_refusal_stops_at_once_with_the_reason_recorded() -> None:
    api = FakeMessagesAPI([ok(refusal())])
    report, tools = run(api)
    assert len(api.requests) == 1 and not tools.calls
    assert report.status == "partial"
    assert report.degraded_reason is not None and "refusal" in report.degraded_reason


def test_refusal_falls_back_to_a_configured_second_model() -> None:
    api = FakeMessagesAPI([ok(refusal()), ok(submit())])
    report, _ = run(api, settings=ModelSettings(fallback_model="claude-opus-5-5"))
    assert [r["model"] for r in api.requests] == ["claude-sonnet-5-5", "claude-opus-5-5"]
    assert report.status == "complete"
    # Both requests are paid for.
    assert report.usage.output_tokens == 3 + 180


def test_prose_only_end_turn_is_nudged_once_then_submit_is_forced() -> None:
    prose = ok(message([text("The payments rollout is the likely cause.")], stop_reason="end_turn"))
    api = FakeMessagesAPI([prose, prose, ok(submit())])
    report, _ = run(api)
    assert len(api.requests) == 3
    nudge = api.requests[1]["messages"][-1]["content"]
    assert "submit_report" in nudge[0]["text"] and nudge[-1]["text"].startswith("Status after")
    assert api.requests[2]["tool_choice"] == {"type": "tool", "name": "submit_report"}
    assert LAST_STATE[0].final is not None
    assert report.status == "partial" and "twice" in (report.degraded_reason or "")


def test_truncated_tool_use_is_never_run_and_is_retried_with_more_room() -> None:
    api = FakeMessagesAPI([ok(truncated_tool_use())])
    report, tools = run(api)
    assert tools.calls == []
    assert [r["max_tokens"] for r in api.requests] == [4096, 8192, 16384]
    assert report.status == "partial" and "cut off" in (report.degraded_reason or "")
    assert report.usage.output_tokens == 3 * 4096  # every attempt is paid


def test_truncated_turn_that_fits_with_more_room_runs_once() -> None:
    api = FakeMessagesAPI([ok(truncated_tool_use()), ok(message([HISTORY])), ok(submit())])
    report, tools = run(api)
    assert [c.name for c in tools.calls] == ["deployment_history"]
    assert [r["max_tokens"] for r in api.requests] == [4096, 8192, 4096]
    assert report.status == "complete"


def test_context_window_exceeded_compacts_then_goes_to_the_final_turn() -> None:
    exceeded = ok(message([text("Looking")], stop_reason="model_context_window_exceeded"))
    api = FakeMessagesAPI([ok(message([HISTORY])), exceeded, exceeded, ok(submit())])
    report, _ = run(api)
    assert len(api.requests) == 4
    full, compacted = api.requests[1]["messages"], api.requests[2]["messages"]
    assert len(full) == len(compacted)  # same turns, only the old result is cleared
    result = compacted[2]["content"][0]
    assert result["type"] == "tool_result" and "cleared" in result["content"]
    assert "rev 12" in full[2]["content"][0]["content"]
    assert api.requests[3]["tool_choice"] == {"type": "tool", "name": "submit_report"}
    assert report.status == "partial" and "context window" in (report.degraded_reason or "")


def test_pause_turn_is_continued_with_the_paused_content() -> None:
    paused = message([text("Checking the rollout history first.")], stop_reason="pause_turn")
    api = FakeMessagesAPI([ok(paused), ok(message([HISTORY])), ok(submit())])
    report, tools = run(api)
    continuation = api.requests[1]["messages"]
    assert continuation[-1] == {"role": "assistant", "content": paused["content"]}
    assert [c.name for c in tools.calls] == ["deployment_history"]
    # The turn is recorded as one assistant message: the paused text, then the call.
    replay = assistant(api.requests[2])
    assert [b["type"] for b in replay] == ["text", "tool_use"]
    assert report.status == "complete"


def test_408_409_and_x_should_retry_are_retried_as_the_sdk_does() -> None:
    api = FakeMessagesAPI(
        [
            (408, error_body("timeout_error", "Request timed out"), {}),
            (409, error_body("conflict_error", "lock timeout"), {}),
            (400, error_body("invalid_request_error", "transient"), {"x-should-retry": "true"}),
            ok(submit()),
        ]
    )
    report, _ = run(api)
    assert len(api.requests) == 4 and report.status == "complete"


def test_x_should_retry_false_is_not_retried() -> None:
    api = FakeMessagesAPI([(503, error_body("api_error", "no"), {"x-should-retry": "false"})])
    report, _ = run(api)
    assert len(api.requests) == 1 and report.status == "failed"


def test_a_hung_request_times_out_within_the_budget_and_is_retried() -> None:
    api = FakeMessagesAPI([Hang(), Hang(), ok(submit())])
    report, _ = run(api, deadline=200.0)
    assert len(api.requests) == 3 and report.status == "complete"
    # Each request may wait at most 120 s or what is left, never the SDK's 600 s.
    assert api.timeouts and all(t <= 120.0 for t in api.timeouts)


def test_hung_until_the_deadline_gives_a_partial_report() -> None:
    api = FakeMessagesAPI(lambda i: ok(message([HISTORY])) if i == 0 else _raise_hang())
    report, tools = run(api, deadline=30.0)
    assert [c.name for c in tools.calls] == ["deployment_history"]
    assert report.status == "partial" and "unreachable" in (report.degraded_reason or "")
    assert max(api.timeouts) <= 30.0


def _raise_hang() -> Any:
    raise httpx2.ReadTimeout("timed out")


def test_results_are_citable_and_each_turn_ends_with_a_status() -> None:
    update = tool_use(
        "toolu_u",
        "update_hypothesis",
        {
            "id": "H1",
            "status": "supported",
            "confidence": 0.8,
            "evidence": [{"tool_call_id": "[R2]", "quote": "payments:3.15.0"}],
        },
    )
    propose = tool_use(
        "toolu_p",
        "propose_hypothesis",
        {
            "statement": "the payments rollout broke checkout",
            "component": "payments",
            "category": "deployment",
        },
    )
    api = FakeMessagesAPI([ok(message([propose, HISTORY])), ok(message([update])), ok(submit())])
    report, _ = run(api)
    results = api.requests[1]["messages"][2]["content"]
    assert results[0]["content"].startswith("[R1] recorded H1")
    assert results[1]["content"].startswith("[R2] rev 12")
    assert results[-1]["type"] == "text" and "H1 open" in results[-1]["text"]
    assert report.hypotheses[0].evidence[0].verified
    assert LAST_STATE[0].hypotheses[0].evidence[0].tool_call_id == "toolu_h"
    status = api.requests[2]["messages"][-1]["content"][-1]["text"]
    assert "H1 supported" in status and "28 steps" in status


def test_the_prefix_is_byte_identical_across_turns_and_alerts() -> None:
    other = Alert(
        fingerprint="fedcba9876543210",
        labels={"alertname": "CartLatency", "namespace": "shop", "service": "cart"},
        starts_at=ALERT.starts_at,
    )
    prefixes = set()
    for alert in (ALERT, other):
        api = FakeMessagesAPI(
            [ok(message([HISTORY])), ok(message([text("x")], "end_turn")), ok(submit())]
        )
        run(api, alert=alert, budget=Budget(max_steps=2))
        for request in api.requests:
            prefixes.add(json.dumps([request["tools"], request["system"]], sort_keys=True))
            breakpoints = json.dumps(request).count('"cache_control"')
            assert breakpoints <= 4
        # Each request extends the previous one: everything sent before is sent again as is.
        for before, after in zip(api.requests, api.requests[1:], strict=False):
            old, new = _plain(before["messages"]), _plain(after["messages"])
            assert new[: len(old) - 1] == old[:-1]
            assert new[len(old) - 1]["content"][: len(old[-1]["content"])] == old[-1]["content"]
    assert len(prefixes) == 1


def _plain(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages without cache breakpoints (they move; the content must not)."""
    return json.loads(json.dumps(messages).replace(', "cache_control": {"type": "ephemeral"}', ""))


def _history_then_submit(turns: int) -> Any:
    def reply(index: int) -> Any:
        if index < turns:
            return ok(
                message([tool_use(f"toolu_{index}", "deployment_history", {"namespace": "shop"})])
            )
        return ok(submit())

    return reply


def test_old_results_are_cleared_in_batches_when_the_conversation_grows() -> None:
    api = FakeMessagesAPI(_history_then_submit(13))
    run(api, settings=ModelSettings(context_window=7000), budget=Budget(max_steps=20))
    before, at = api.requests[11]["messages"], api.requests[12]["messages"]
    full = [m["content"][0]["content"] for m in before[2::2]]
    assert all("rev 12" in r for r in full)  # 11 turns: nothing cleared yet
    results = [m["content"][0]["content"] for m in at[2::2]]
    assert all("cleared" in r for r in results[:8]) and all("rev 12" in r for r in results[8:])
    assert results[0].startswith("[R1] deployment_history result cleared")
    assert api.counted  # near the window, count_tokens was asked whether it fits


def test_count_tokens_pre_check_clears_everything_before_an_overflowing_request() -> None:
    api = FakeMessagesAPI(_history_then_submit(2), count_tokens=10**6)
    run(api, settings=ModelSettings(context_window=4000))
    results = [m["content"][0]["content"] for m in api.requests[2]["messages"][2::2]]
    assert results and all("cleared" in r for r in results)
