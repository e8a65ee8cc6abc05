from __future__ import annotations

from loop_fakes import ALERT, FakeTools, deps

from agent.brains.scripted import ScriptedBrain, call
from agent.investigation.brain import BrainTurn
from agent.investigation.budget import Budget
from agent.investigation.loop import investigate, new_state
from agent.investigation.state import InvestigationState

SUBMIT = {
    "root_cause_hypothesis": "H1",
    "summary": "payments revision 12 throws NullPointerException",
    "confidence": 0.9,
    "remediations": [
        {
            "action": "rollback_deployment",
            "target": {"namespace": "shop", "name": "payments"},
            "params": {"to_revision": 11},
            "rationale": "revision 12 introduced the failure",
            "risk": "low",
        },
        {
            "action": "restart_deployment",
            "target": {"namespace": "prod", "name": "db"},
            "rationale": "not in scope",
        },
    ],
    "status_page": {
        "title": "Checkout errors",
        "body": "payments-8bx66ngscq-d4smb on 10.0.3.7 is failing",
    },
    "timeline": [
        {"time": "2026-11-18T14:08:00Z", "event": "payments rev 12 rolled out", "source": "call_b"}
    ],
}


def cite(state: InvestigationState) -> BrainTurn:
    return BrainTurn(
        calls=[
            call(
                "update_hypothesis",
                id="H1",
                status="supported",
                confidence=0.9,
                evidence=[
                    {"tool_call_id": "call_b", "quote": "rev 12 payments-8bx66ngscq"},
                    {"tool_call_id": "call_c", "quote": "java.lang.NullPointerException"},
                ],
            )
        ]
    )


def good_script() -> list[BrainTurn | object]:
    return [
        BrainTurn(
            calls=[
                call(
                    "propose_hypothesis",
                    statement="payments rollout broke checkout",
                    component="payments-8bx66ngscq-d4smb",
                    category="deployment",
                ),
                call(
                    "propose_hypothesis",
                    statement="orders-db is slow",
                    component="orders-db",
                    category="dependency",
                ),
            ]
        ),
        BrainTurn(
            calls=[
                call("deployment_history", "call_b", namespace="shop", name="payments"),
                call("query_logs", "call_c", query="{}"),
            ]
        ),
        cite,
        BrainTurn(calls=[call("update_hypothesis", id="H2", status="refuted", confidence=0.1)]),
        BrainTurn(calls=[call("submit_report", **SUBMIT)]),
    ]


def test_complete_report_from_a_transcript() -> None:
    tools = FakeTools()
    brain = ScriptedBrain(good_script())  # type: ignore[arg-type]
    report = investigate(ALERT, deps(brain, tools))
    assert report.status == "complete"
    assert report.root_cause is not None
    # A pod name in the ledger is reported as its workload.
    assert report.root_cause.component == "payments"
    assert report.root_cause.category == "deployment"
    assert [h.status for h in report.hypotheses] == ["supported", "refuted"]
    assert all(e.verified for e in report.hypotheses[0].evidence)
    assert report.hypotheses[0].evidence[0].query == "deployment_history request"
    # In-scope proposal kept with its precondition; out-of-scope one dropped and said so.
    assert [r.target.name for r in report.remediations] == ["payments"]
    assert report.remediations[0].precondition.resource_version == "4711"
    assert any("outside the investigation's scope" in g for g in report.data_gaps)
    # The status page never names internal things.
    page = report.status_page
    assert page is not None and "payments" not in page.body and "10.0.3.7" not in page.body
    assert next(e.event for e in report.timeline) == "payments rev 12 rolled out"
    assert report.escalation[0].owner == "team-payments"
    assert report.usage.steps == 5 and report.usage.tool_calls == 2


def test_unverified_quote_lowers_confidence() -> None:
    def fake_quote(state: InvestigationState) -> BrainTurn:
        return BrainTurn(
            calls=[
                call(
                    "update_hypothesis",
                    id="H1",
                    status="supported",
                    confidence=0.8,
                    evidence=[{"tool_call_id": "call_b", "quote": "OOMKilled exit code 137"}],
                )
            ]
        )

    brain = ScriptedBrain(
        [
            BrainTurn(
                calls=[
                    call(
                        "propose_hypothesis",
                        statement="payments OOM",
                        component="payments",
                        category="resource",
                    )
                ]
            ),
            BrainTurn(
                calls=[
                    call("deployment_history", "call_b", namespace="shop", name="payments"),
                    # Telemetry was seen, so only the unverified quote lowers the confidence.
                    call("query_logs", "call_c", query="{}"),
                ]
            ),
            fake_quote,
        ],
        final={"root_cause_hypothesis": "H1", "summary": "x", "confidence": 0.8},
    )
    report = investigate(ALERT, deps(brain, FakeTools()))
    evidence = report.hypotheses[0].evidence[0]
    assert evidence.verified is False
    assert report.hypotheses[0].confidence == 0.4
    assert report.root_cause is not None and report.root_cause.confidence == 0.4


def test_step_limit_gives_a_partial_report_with_the_work_done() -> None:
    hostile = ScriptedBrain(
        [
            BrainTurn(
                calls=[
                    call(
                        "propose_hypothesis",
                        statement="payments broke",
                        component="payments",
                        category="code",
                    )
                ]
            ),
            BrainTurn(calls=[call("query_logs", query="{}")]),
        ],
        repeat_last=True,
        final={"root_cause_hypothesis": "H1", "summary": "ran out of steps", "confidence": 0.3},
    )
    tools = FakeTools()
    report = investigate(ALERT, deps(hostile, tools, Budget(max_steps=6)))
    assert report.status == "partial"
    assert report.usage.steps == 6
    assert hostile.final_reasons == ["step limit reached (6/6)"]
    assert report.root_cause is not None and report.root_cause.component == "payments"
    assert any("step limit" in g for g in report.data_gaps)


def test_tool_call_limit_and_time_limit() -> None:
    flood = ScriptedBrain(
        [BrainTurn(calls=[call("query_logs", query=str(i)) for i in range(10)])], repeat_last=True
    )
    report = investigate(ALERT, deps(flood, FakeTools(), Budget(max_tool_calls=25)))
    assert report.status == "partial" and report.usage.tool_calls == 30
    slow = ScriptedBrain([BrainTurn(calls=[call("query_logs", query="x")])], repeat_last=True)
    report = investigate(ALERT, deps(slow, FakeTools(), Budget(max_wall_seconds=5)))
    assert report.status == "partial"
    assert any("time limit" in g for g in report.data_gaps)


def test_backend_failure_becomes_a_data_gap() -> None:
    brain = ScriptedBrain([BrainTurn(calls=[call("query_logs", query="{}")])])
    report = investigate(ALERT, deps(brain, FakeTools(broken=frozenset({"query_logs"}))))
    assert report.status == "complete"
    assert "Loki unreachable: logs missing" in report.data_gaps
    assert report.root_cause is None


def test_invalid_ledger_call_is_a_correctable_error() -> None:
    brain = ScriptedBrain(
        [
            BrainTurn(
                calls=[call("update_hypothesis", id="H9", status="supported", confidence=2.0)]
            ),
            BrainTurn(calls=[call("submit_report", summary="", confidence=0.5)]),
        ]
    )
    state = new_state(ALERT, brain, ALERT.starts_at)
    report = investigate(ALERT, deps(brain, FakeTools()), state)
    first, second = state.turns[0].calls[0], state.turns[1].calls[0]
    assert first.is_error and "confidence" in first.output
    assert second.is_error and "summary" in second.output
    # The scripted brain then submits a valid default report.
    assert report.status == "complete"


def test_resolved_alert_stops_gracefully() -> None:
    brain = ScriptedBrain([BrainTurn(calls=[call("query_logs", query="{}")])], repeat_last=True)
    stop_after = iter([None, None, "alert resolved"])
    report = investigate(
        ALERT, deps(brain, FakeTools(), should_stop=lambda: next(stop_after, "alert resolved"))
    )
    assert report.status == "partial"
    assert brain.final_reasons == ["alert resolved"]


def test_status_page_never_names_what_telemetry_showed() -> None:
    page = {
        "title": "Slow orders",
        "body": "Node ip-10-20-2-35.eu-west-1.compute.internal ran out of disk.",
    }
    brain = ScriptedBrain(
        [
            BrainTurn(calls=[call("pod_status", namespace="shop", workload="cart")]),
            BrainTurn(
                calls=[call("submit_report", summary="disk", confidence=0.5, status_page=page)]
            ),
        ]
    )
    report = investigate(ALERT, deps(brain, FakeTools()))
    assert report.status_page is not None
    assert "ip-10-20-2-35" not in report.status_page.body


def test_a_proposal_with_bad_parameters_is_dropped_with_a_note_and_the_report_stands() -> None:
    submit = {
        **SUBMIT,
        "remediations": [
            {**SUBMIT["remediations"][0], "action": "scale_deployment", "params": {"replicas": 0}},
            SUBMIT["remediations"][0],
        ],
    }
    brain = ScriptedBrain(
        [
            BrainTurn(
                calls=[
                    call(
                        "propose_hypothesis",
                        statement="payments broke",
                        component="payments",
                        category="code",
                    )
                ]
            )
        ],
        final=submit,
    )
    report = investigate(ALERT, deps(brain, FakeTools()))
    assert report.status == "complete"
    assert [(r.id, r.action) for r in report.remediations] == [("R1", "rollback_deployment")]
    (note,) = [g for g in report.data_gaps if "dropped" in g]
    assert note.startswith("remediation scale_deployment for shop/payments dropped: invalid:")
    assert "'replicas' must be at least 1" in note
