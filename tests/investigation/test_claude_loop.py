"""The Claude brain through the real loop, dispatch, policy and tools, with a mock transport."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from anthropic_fakes import FakeMessagesAPI, SleepClock, error_body, message, ok, text, tool_use
from incidents import bundle_params
from replay_run import investigate_replay

from agent.brains.claude import ClaudeBrain
from agent.config.settings import ModelSettings
from agent.replay.environment import ReplayEnvironment
from agent.report.model import Report

BUNDLE = next(p for p in bundle_params() if p.values[0] == "checkout-5xx-0412")


def run(
    env: ReplayEnvironment, api: FakeMessagesAPI, clock: SleepClock, deadline: float = 300.0
) -> tuple[Report, object]:
    brain = ClaudeBrain(
        api.client(),
        ModelSettings(),
        deadline=lambda: deadline,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    return investigate_replay(env, brain, monotonic=clock.monotonic)


@pytest.mark.parametrize("bundle_id", [BUNDLE])
def test_multi_turn_parallel_calls_malformed_input_and_429(
    replay: Callable[[str], ReplayEnvironment], bundle_id: str
) -> None:
    env = replay(bundle_id)
    script = [
        (429, error_body("rate_limit_error", "rate limited"), {"retry-after": "3"}),
        ok(
            message(
                [
                    text("Looking at the alert and recent changes in parallel."),
                    tool_use("toolu_a", "alert_context", {}),
                    tool_use(
                        "toolu_b", "deployment_history", {"namespace": "shop", "lookback": "1h"}
                    ),
                    tool_use("toolu_c", "query_logs", {"query": 42}),
                    tool_use("toolu_l", "log_labels", {}),
                    tool_use("toolu_x", "log_labels", {"namespace": "kube-system"}),
                ]
            )
        ),
        ok(
            message(
                [
                    tool_use(
                        "toolu_d",
                        "propose_hypothesis",
                        {
                            "statement": "a new payments revision fails requests",
                            "component": "payments",
                            "category": "deployment",
                        },
                    )
                ]
            )
        ),
        *[ok(message([text("cut off mid-thou")], stop_reason="max_tokens"))] * 3,
        ok(
            message(
                [
                    tool_use(
                        "toolu_e",
                        "submit_report",
                        {
                            "root_cause_hypothesis": "H1",
                            "summary": "payments rollout",
                            "confidence": 0.7,
                        },
                    )
                ]
            )
        ),
    ]
    api = FakeMessagesAPI(script)
    clock = SleepClock()
    report, _state = run(env, api, clock)
    assert report.status == "complete"
    assert report.brain == "claude:claude-sonnet-5-5"
    assert clock.t >= 3  # honoured retry-after
    # The malformed call went back to the model as a correctable error, in the same message
    # as the two good results.
    results = api.requests[2]["messages"][2]["content"]
    assert results[-1]["type"] == "text" and results[-1]["text"].startswith("Status after")
    results = results[:-1]
    ids = [r["tool_use_id"] for r in results]
    assert ids == ["toolu_a", "toolu_b", "toolu_c", "toolu_l", "toolu_x"]
    assert results[2]["is_error"] is True and "query" in results[2]["content"]
    # Loki label discovery lists the labels of the namespaces in scope, through the policy,
    # which refuses a namespace outside the scope.
    assert results[3]["is_error"] is False, results[3]["content"]
    assert "labels on" in results[3]["content"]
    assert "namespace (" in results[3]["content"]
    assert results[4]["is_error"] is True and "kube-system" in results[4]["content"]
    # The first message briefs the model on this investigation before the (untrusted) alert.
    opening = api.requests[0]["messages"][0]["content"][0]["text"]
    assert "- Now: 2025-11-18T14:24:00Z" in opening
    assert "Namespaces in scope: data, shop." in opening
    assert "log_labels 4" in opening and "40 backend calls in all" in opening
    assert opening.index("Investigation context") < opening.index("<untrusted-data")
    # The prefix (tools, then system) is byte-identical on every request.
    assert len({json.dumps([r["tools"], r["system"]]) for r in api.requests}) == 1
    assert results[0]["is_error"] is False and "<untrusted-data" in results[0]["content"]
    # After max_tokens the model is told to be brief.
    # The text-only answer cut off at max_tokens was asked again with more room (8192, then
    # 16384: the script repeats it), then the model is told to be brief.
    assert [r["max_tokens"] for r in api.requests[3:6]] == [4096, 8192, 16384]
    assert "cut off" in str(api.requests[6]["messages"][-1]["content"])
    assert report.usage.input_tokens == 6 * 1200 and report.usage.cost_usd > 0
    assert report.root_cause is not None and report.root_cause.component == "payments"


@pytest.mark.parametrize("bundle_id", [BUNDLE])
def test_repeated_529_until_deadline_gives_a_degraded_partial_report(
    replay: Callable[[str], ReplayEnvironment], bundle_id: str
) -> None:
    env = replay(bundle_id)
    first = ok(
        message(
            [
                tool_use(
                    "toolu_a",
                    "propose_hypothesis",
                    {
                        "statement": "payments is failing",
                        "component": "payments",
                        "category": "code",
                    },
                )
            ]
        )
    )
    api = FakeMessagesAPI(
        lambda i: first if i == 0 else (529, error_body("overloaded_error", "Overloaded"), {})
    )
    clock = SleepClock()
    report, _ = run(env, api, clock, deadline=120.0)
    assert report.status == "partial"
    assert report.degraded_reason is not None and "degraded" in report.degraded_reason
    assert "529" in report.degraded_reason
    assert clock.t <= 120.0
    # The work done is kept.
    assert report.hypotheses and report.hypotheses[0].component == "payments"
