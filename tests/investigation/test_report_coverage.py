"""A report says what telemetry it rests on: denied and empty calls are data gaps."""

from __future__ import annotations

from loop_fakes import ALERT, FakeTools, deps

from agent.brains.scripted import ScriptedBrain, call
from agent.investigation.brain import BrainTurn
from agent.investigation.coverage import NO_TELEMETRY_CONFIDENCE_CAP
from agent.investigation.loop import investigate

SUBMIT = {"root_cause_hypothesis": "H1", "summary": "payments rev 12 broke it", "confidence": 0.9}


def script(*probes: str) -> list[BrainTurn]:
    return [
        BrainTurn(
            calls=[
                call(
                    "propose_hypothesis",
                    statement="payments rollout broke checkout",
                    component="payments",
                    category="deployment",
                )
            ]
        ),
        BrainTurn(
            calls=[
                call("deployment_history", "call_b", namespace="shop", name="payments"),
                *(call(name, f"call_{name}", query="q") for name in probes),
            ]
        ),
        BrainTurn(
            calls=[
                call(
                    "update_hypothesis",
                    id="H1",
                    status="supported",
                    confidence=0.9,
                    evidence=[{"tool_call_id": "call_b", "quote": "rev 12 payments-8bx66ngscq"}],
                )
            ]
        ),
        BrainTurn(calls=[call("submit_report", **SUBMIT)]),
    ]


def test_denied_and_empty_telemetry_are_gaps_and_cap_confidence() -> None:
    tools = FakeTools(
        outcomes={
            "query_metrics": ("denied", "range.too_long"),
            "query_logs": ("no_data", None),
            "trace_lookup": ("error", None),
        }
    )
    brain = ScriptedBrain(script("query_metrics", "query_logs", "trace_lookup"))
    report = investigate(ALERT, deps(brain, tools))
    assert report.status == "complete"
    assert report.root_cause is not None
    assert report.root_cause.confidence == NO_TELEMETRY_CONFIDENCE_CAP
    gaps = report.data_gaps
    assert "query_metrics: 1 of 1 calls denied by policy (range.too_long)" in gaps
    assert "query_logs: 1 of 1 calls returned no data" in gaps
    assert "trace_lookup: 1 of 1 calls failed" in gaps
    assert any(g.startswith("no telemetry:") for g in gaps)


def test_a_report_from_rollout_history_alone_says_so() -> None:
    report = investigate(ALERT, deps(ScriptedBrain(script()), FakeTools()))
    assert report.root_cause is not None
    assert report.root_cause.confidence == NO_TELEMETRY_CONFIDENCE_CAP
    assert any(g.startswith("no telemetry:") for g in report.data_gaps)


def test_telemetry_with_data_keeps_the_confidence() -> None:
    tools = FakeTools(outcomes={"query_metrics": ("no_data", None)})
    report = investigate(ALERT, deps(ScriptedBrain(script("query_logs", "query_metrics")), tools))
    assert report.root_cause is not None
    assert report.root_cause.confidence == 0.9
    assert "query_metrics: 1 of 1 calls returned no data" in report.data_gaps
    assert not any(g.startswith("no telemetry:") for g in report.data_gaps)
