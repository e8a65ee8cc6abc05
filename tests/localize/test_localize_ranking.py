"""Discovery, blame and ranking of the localisation tool, and how the investigator reads it."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.alerts.model import Alert
from agent.brains.offline import OfflineBrain
from agent.brains.offline.locate import Located
from agent.brains.offline.rank import categorise
from agent.bundle.model import Catalog
from agent.investigation.state import CallRecord, InvestigationState, Turn
from tools.localize import edges
from tools.localize.blame import blame_gaps
from tools.localize.combine import SIGNIFICANT, rank
from tools.localize.families import Family, families, kind_of
from tools.localize.series import Scored, Series, score
from tools.localize.signals import Signal, aspect_of, own_aspect
from tools.localize.workloads import Workloads

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _signal(component: str, score: float, aspect: str = "latency", z: float = 5.0) -> Signal:
    return Signal(
        component,
        "metrics",
        f"{aspect} of {component}",
        score,
        z,
        1.0,
        2.0,
        T0,
        "q",
        aspect,  # type: ignore[arg-type]
    )


def test_family_types_follow_the_exposition_conventions() -> None:
    assert kind_of("http_server_requests_seconds", ["pod", "quantile"]) == "summary"
    assert kind_of("http_request_duration_seconds_bucket", ["pod", "le"]) == "histogram"
    assert kind_of("container_cpu_usage_seconds_total", ["pod"]) == "counter"
    assert kind_of("container_memory_working_set_bytes", ["pod"]) == "gauge"


def test_discovery_keys_families_and_finds_edges_by_label_shape() -> None:
    found = {
        f.name: f
        for f in families(
            [
                {
                    "__name__": "latency_ms",
                    "source_workload": "a",
                    "destination_workload": "b",
                    "reporter": "source",
                },
                {
                    "__name__": "client_seconds_bucket",
                    "pod": "a-7d9f8b6c5-x2k4j",
                    "peer": "ext",
                    "le": "1",
                },
                {"__name__": "cpu_total", "pod": "a-7d9f8b6c5-x2k4j"},
                {"__name__": "kube_pod_info", "pod": "a-7d9f8b6c5-x2k4j"},
                {"__name__": "req_seconds_sum", "pod": "a-7d9f8b6c5-x2k4j"},
            ]
        )
    }
    assert set(found) == {"latency_ms", "client_seconds_bucket", "cpu_total"}
    assert found["latency_ms"].edge() == ("source_workload", "destination_workload")
    assert found["latency_ms"].reporter == "reporter"
    assert found["client_seconds_bucket"].edge() == ("pod", "peer")
    assert found["client_seconds_bucket"].caller_reported
    assert found["cpu_total"].edge() is None and found["cpu_total"].key == "pod"


def test_aspects_come_from_names() -> None:
    assert aspect_of("container_cpu_usage_seconds_total") == "resource"
    assert aspect_of("http_server_requests_seconds") == "latency"
    assert aspect_of("grpc_errors_total") == "errors"
    assert aspect_of("kube_deployment_spec_replicas") == "other"
    # A summary's request count is traffic, though its name carries the unit of its sum.
    assert aspect_of("rate(http_server_requests_seconds_count)") == "traffic"


def test_gaps_blame_the_end_every_slowed_edge_shares() -> None:
    # Every caller of b sees it slower: b. One caller slower towards all its callees: that caller.
    assert blame_gaps({"x\0b": 6.0, "y\0b": 5.0, "x\0c": 0.2})["b"][0] == 5.0
    slow_caller = blame_gaps({"a\0p": 6.0, "a\0q": 7.0, "r\0p": 0.1})
    assert slow_caller["a"][0] == 6.0 and slow_caller["p"][0] <= 0.1


def test_a_caller_slowed_towards_most_callees_takes_its_single_caller_callees_gaps() -> None:
    # A CPU-starved caller adds time to most of its calls: the callees it alone calls are not
    # blamed for it (their residual is what is left after the caller's median effect).
    starved = blame_gaps({"f\0a": 0.3, "f\0b": 9.5, "f\0c": 9.6, "f\0d": 9.7, "f\0e": 0.1})
    assert starved["f"][0] == 9.5
    assert max(starved[c][0] for c in "abcde") < 1.0
    # One callee slow for its only caller, the caller's other calls unmoved: the callee.
    one = blame_gaps({"f\0a": 9.0, "f\0b": 0.2, "f\0c": -0.1, "f\0d": 0.3})
    assert one["a"][0] > 8.0 and one["f"][0] < 1.0


def test_a_caller_is_ranked_below_the_callee_that_explains_it() -> None:
    signals = [_signal("frontend", 9.0), _signal("cart", 6.0, "resource"), _signal("ads", 7.0)]
    ranked = rank(signals, {("frontend", "cart"), ("frontend", "ads")})
    # Just below its strongest explaining callee, above the weaker one.
    assert [r.component for r in ranked] == ["ads", "frontend", "cart"]
    assert ranked[1].explained_by == "ads"
    # Without the calls, the strongest signal leads.
    assert rank(signals)[0].component == "frontend"


def _timed(component: str, before: float, after: float, score: float = 9.0) -> Signal:
    return Signal(
        component, "metrics", "p90(server)", score, 9.0, before, after, T0, "q", "latency"
    )


def test_a_callee_explains_a_caller_only_as_far_as_its_added_time_goes() -> None:
    calls = {("recommendation", "catalog")}
    slow_caller = _timed("recommendation", 0.04, 2.2)
    # The callee added 18 ms to a caller that added 2.2 s: not the explanation.
    ranked = rank([slow_caller, _timed("catalog", 0.024, 0.042, score=4.0)], calls)
    assert [r.component for r in ranked] == ["recommendation", "catalog"]
    assert ranked[0].explained_by is None
    # Adding a tenth of it or more (ten sequential calls per request) explains it.
    ranked = rank([slow_caller, _timed("catalog", 0.02, 0.3, score=4.0)], calls)
    assert [r.component for r in ranked] == ["catalog", "recommendation"]
    assert ranked[1].explained_by == "catalog"
    # Time added on the way to the callee (a gap) is not in its own latency: it explains.
    gap = Signal("catalog", "edges", "gap at catalog", 8.0, 8.0, 3.0, 115.0, T0, "q", "network")
    ranked = rank([slow_caller, _timed("catalog", 0.02, 0.021, score=0.5), gap], calls)
    assert ranked[0].component == "catalog"


def test_time_spent_waiting_on_callees_counts_at_most_at_the_cut_off() -> None:
    waiting = Signal("email", "metrics", "client p95", 8.3, 9.0, 0.005, 0.05, T0, "q", "waiting")
    own = _signal("ads", 7.2)
    ranked = rank([waiting, own])
    assert [r.component for r in ranked] == ["ads", "email"]
    assert ranked[1].score == SIGNIFICANT  # still a suspect, listed with its signal
    assert ranked[1].signals[0] is waiting
    assert own_aspect("http_client_requests_seconds") == "waiting"
    assert own_aspect("grpc_server_handling_seconds") == "latency"
    assert own_aspect("http_client_requests_total") == "traffic"


def test_more_volume_served_counts_at_most_at_the_cut_off() -> None:
    def volume(name: str, z: float) -> Signal:
        return Signal("payment", "metrics", name, 9.0, z, 1.1e3, 2.2e4, T0, "q", aspect_of(name))

    starved = _signal("checkout", 5.7, "resource")
    received = volume("rate(container_network_receive_bytes_total)", 9.5)
    # More bytes or requests arriving is demand its callers put on it, not its own change.
    for more in (received, volume("rate(http_server_requests_seconds_count)", 9.5)):
        ranked = rank([more, starved])
        assert [r.component for r in ranked] == ["checkout", "payment"]
        assert ranked[1].score == SIGNIFICANT
    # Sending less is its own doing (it fails fast, or stopped answering): the score stays.
    sent_less = volume("rate(container_network_transmit_bytes_total)", -9.5)
    assert rank([sent_less, starved])[0].component == "payment"


def test_a_drop_downstream_does_not_explain_a_caller() -> None:
    signals = [_signal("frontend", 9.0), _signal("cart", 8.0, "resource", z=-8.0)]
    assert rank(signals, {("frontend", "cart")})[0].component == "frontend"


def test_the_category_follows_the_located_evidence() -> None:
    def located(resource: float, gap: float) -> Located:
        return Located("svc", 8.0, resource, gap, 0.0)

    assert categorise({"ranked"}, False, located(8.0, 2.0)) == "resource"
    assert categorise({"ranked"}, False, located(2.0, 8.0)) == "network"
    assert categorise({"ranked"}, False, located(1.0, 1.0)) == "code"
    # Saturation explains a gap (a starved pod is slow to send and answer); not the reverse.
    assert categorise({"ranked"}, False, located(5.0, 9.0)) == "resource"
    assert categorise({"ranked", "rollout_image"}, False, located(8.0, 1.0)) == "deployment"


def _state_with_ranking(score: float) -> InvestigationState:
    alert = Alert(
        fingerprint="f" * 16, labels={"alertname": "Slow", "namespace": "shop"}, starts_at=T0
    )
    output = (
        "[rank_components] status: ok\n"
        f"1. cart: score {score:.1f} (metrics)\n"
        "   - metrics: latency of cart 1 → 1.2 ↑ (z +1.0, 1.0 against peers) | query: q\n"
        "2. ads: score 0.5 (metrics)\n"
    )
    ranking = [
        {"component": "cart", "score": score, "rank_score": score, "signals": []},
        {"component": "ads", "score": 0.5, "rank_score": 0.5, "signals": []},
    ]
    record = CallRecord(
        id="t0_rank", name="rank_components", arguments={}, output=output, data={"ranking": ranking}
    )
    others = [
        CallRecord(id=f"t{i}_x", name="alert_context", arguments={}, status="ok") for i in (1, 2)
    ]
    return InvestigationState(
        id="inv-1",
        alert=alert,
        brain="offline",
        started_at=T0,
        turns=[Turn(index=0, calls=[record, *others])],
    )


def test_an_inconclusive_ranking_still_gives_open_hypotheses_with_low_confidence() -> None:
    brain = OfflineBrain(Catalog())
    turn = brain.final_turn(_state_with_ranking(1.2), "budget", {})
    submit = turn.calls[-1].arguments
    assert submit["confidence"] <= 0.2
    assert submit["summary"].startswith("Inconclusive")
    calls = brain._conclude(_state_with_ranking(1.2))
    updates = [c.arguments for c in calls if c.name == "update_hypothesis"]
    assert updates and all(u["status"] == "open" for u in updates)
    assert {c.arguments["component"] for c in calls if c.name == "propose_hypothesis"} >= {
        "cart",
        "ads",
    }


def test_a_clear_outlier_is_a_supported_conclusion() -> None:
    calls = OfflineBrain(Catalog())._conclude(_state_with_ranking(9.0))
    first = next(c.arguments for c in calls if c.name == "update_hypothesis")
    assert first["status"] == "supported" and first["confidence"] >= 0.5
    # The hypothesis says what placed it (a latency ranking), not that errors start there.
    proposed = next(c.arguments for c in calls if c.name == "propose_hypothesis")
    assert "rank_components" in proposed["statement"]
    assert "errors" not in proposed["statement"]


def _edge_family() -> Family:
    """An Istio-shaped edge family: source and destination workloads and a reporter."""
    labels = {"source_workload": "a", "destination_workload": "b", "reporter": "source"}
    (family,) = families([{"__name__": "rpc_ms", **labels}])
    return family


def _edge(caller: str, callee: str, reporter: str, z: float) -> Scored:
    labels = {"source_workload": caller, "destination_workload": callee, "reporter": reporter}
    return Scored(Series(labels, [0.0, 60.0], [1.0, 2.0]), z, 4.0, 60.0, None)


def test_a_callee_side_rise_counts_only_as_far_as_its_caller_felt_it() -> None:
    family = _edge_family()
    scored = [
        _edge("checkout", "currency", "destination", 9.0),  # the callee side says 4 → 60 ms
        _edge("checkout", "currency", "source", 0.4),  # the caller did not wait any longer
        _edge("frontend", "ads", "destination", 8.0),
        _edge("frontend", "ads", "source", 8.5),  # the caller felt all of it
    ]
    found, calls = edges.signals(
        [edges.EdgeResult(family, "q", scored)],
        Workloads(names={"checkout", "currency", "frontend", "ads"}),
        UTC,
    )
    served = {s.component: s for s in found if "served" in s.name}
    assert served["currency"].z == 0.4 and served["ads"].z == 8.0
    assert calls == {("checkout", "currency"), ("frontend", "ads")}


def _sided(caller: str, reporter: str, values: list[float]) -> Scored:
    labels = {"source_workload": caller, "destination_workload": "currency", "reporter": reporter}
    series = Series(labels, [60.0 * i for i in range(len(values))], values)
    return score(series, 60.0 * 6, 60.0 * 6)


def test_a_gap_is_the_caller_side_minus_the_callee_side_scored_against_the_call() -> None:
    family = _edge_family()
    # Both sides rose, the caller side far more: 10 → 385 ms against 5 → 16 ms.
    slow = [
        _sided("checkout", "source", [10, 11, 9, 10, 10, 11, 385, 390]),
        _sided("checkout", "destination", [5, 5, 6, 5, 5, 5, 16, 15]),
    ]
    # A gap flat at zero that grows by half a millisecond on a 3 ms call is ordinary.
    calm = [
        _sided("frontend", "source", [3, 3, 3, 3, 3, 3, 3.5, 3.5]),
        _sided("frontend", "destination", [3, 3, 3, 3, 3, 3, 3, 3]),
    ]
    found, _ = edges.signals(
        [edges.EdgeResult(family, "q", slow + calm, 60.0 * 6)],
        Workloads(names={"checkout", "frontend", "currency"}),
        UTC,
    )
    (gap,) = [s for s in found if "gap" in s.name]
    assert gap.component == "currency" and "weakest of 2 incoming" in gap.detail
    assert 0 < gap.z < 3.5  # blamed on the callee only as far as its calmest caller saw it
    alone, _ = edges.signals(
        [edges.EdgeResult(family, "q", slow, 60.0 * 6)],
        Workloads(names={"checkout", "currency"}),
        UTC,
    )
    (gap,) = [s for s in alone if "gap" in s.name]
    assert gap.z >= 9.0  # the gap's own change, not the difference of two bounded z


def test_the_trace_survey_runs_only_when_the_ranking_located_nothing() -> None:
    brain = OfflineBrain(Catalog())
    listing = CallRecord(
        id="t0_metrics_ns",
        name="list_metrics",
        arguments={},
        data={
            "names": ["http_request_duration_seconds_bucket", "container_cpu_usage_seconds_total"]
        },
    )

    def survey_then(ranking: list[dict[str, object]], *done: CallRecord) -> list[str]:
        rank_call = CallRecord(
            id="t0_rank", name="rank_components", arguments={}, data={"ranking": ranking}
        )
        state = _state_with_ranking(1.0)
        state.turns = [Turn(index=0, calls=[rank_call, listing]), Turn(index=1, calls=[*done])]
        return [c.id for c in brain.next_turn(state, []).calls]

    located = survey_then([{"component": "cart", "score": 8.0, "signals": []}])
    assert not [i for i in located if i.startswith("tf_")]
    assert located and all(i.startswith("t1_") for i in located)
    assert "t1_q_latency_p99" not in located  # per-service onsets locate: not needed
    blind = survey_then([])
    assert sorted(blind) == ["tf_errors", "tf_graph"]
    graph = CallRecord(id="tf_graph", name="service_graph", arguments={})
    assert "t1_q_latency_p99" in survey_then([], graph)


def test_a_gap_does_not_explain_a_caller_whose_own_cpu_rose() -> None:
    gap = Signal(
        "ads", "traces", "caller→callee gap at ads", 6.0, 7.0, 2.0, 60.0, T0, "q", "network"
    )
    slow = _signal("frontend", 8.0)
    starved = [slow, _signal("frontend", 5.0, "resource")]
    calls = {("frontend", "ads")}
    # A caller starved of CPU is slow on its calls itself: it leads on its own latency.
    assert rank([*starved, gap], calls)[0].component == "frontend"
    # Without the CPU rise, the gap at its callee explains it.
    ranked = rank([slow, gap], calls)
    assert [r.component for r in ranked] == ["ads", "frontend"]
    assert ranked[1].explained_by == "ads"


def test_a_slower_callee_explains_a_callers_errors_only_when_the_caller_waited() -> None:
    calls = {("frontend", "currency")}
    failing = _signal("frontend", 4.3, "errors")
    slower = _timed("currency", 0.086, 0.161, score=4.2)
    # Errors with no rise in the caller's own wait: no time-out, so not the callee's doing.
    ranked = rank([failing, slower], calls)
    assert [r.component for r in ranked] == ["frontend", "currency"]
    assert ranked[0].explained_by is None
    # A caller that timed out waited first: its own latency rose with its errors.
    waited = Signal("frontend", "metrics", "client p99", 4.0, 5.0, 0.2, 0.5, T0, "q", "waiting")
    ranked = rank([failing, waited, slower], calls)
    assert [r.component for r in ranked] == ["currency", "frontend"]
    assert ranked[1].explained_by == "currency"
    # A callee that fails itself explains its caller's errors either way.
    ranked = rank([failing, _signal("currency", 4.0, "errors")], calls)
    assert ranked[1].explained_by == "currency"
