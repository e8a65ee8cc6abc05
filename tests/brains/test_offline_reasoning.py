"""The offline investigator's pure reasoning: chains, onsets, metric roles, ranking."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.brains.offline.analysis import Context, Suspects, near_onset, walk_chain
from agent.brains.offline.causes import _node_in, log_facts
from agent.brains.offline.evidence import (
    Edge,
    Fact,
    SeriesFact,
    host_component,
    onset,
    quote_line,
    rose,
)
from agent.brains.offline.queries import (
    Metrics,
    merge_listings,
    request_queries,
    saturation_queries,
)
from agent.brains.offline.rank import categorise, rank, refutable
from agent.investigation.state import CallRecord

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _edge(caller: str, callee: str, errors: float, calls: int = 10) -> Edge:
    return Edge(caller=caller, callee=callee, calls=calls, error_rate=errors, p95_ms=10.0)


def test_chain_follows_the_most_failing_callee_to_its_end() -> None:
    edges = [
        _edge("frontend", "gateway", 0.2),
        _edge("gateway", "catalog", 0.3),
        _edge("gateway", "checkout", 0.5, calls=2),
        _edge("checkout", "cart", 0.5),
        _edge("cart", "cart-cache", 1.0),
        _edge("cart", "orders-db", 0.0),
    ]
    assert walk_chain(edges, "frontend") == [
        "frontend",
        "gateway",
        "checkout",
        "cart",
        "cart-cache",
    ]
    assert walk_chain(edges, "search") == ["search"]


def test_chain_ignores_cycles_and_healthy_edges() -> None:
    edges = [_edge("a", "b", 0.5), _edge("b", "a", 0.9), _edge("b", "c", 0.05)]
    assert walk_chain(edges, "a") == ["a", "b"]


def test_peer_hosts_map_to_catalogue_names() -> None:
    known = ["cart-cache", "orders-db", "carrier-api", "payment-provider"]
    assert host_component("cart-cache.data.svc", known) == "cart-cache"
    assert host_component("api.carrier.example", known) == "carrier-api"
    assert host_component("orders", known) == "orders-db"
    assert host_component("unknown.example", known) == "unknown"


def _series(before: float, after: float, change: bool = True) -> SeriesFact:
    return SeriesFact(
        labels={"service": "x"},
        first_at=T0.replace(hour=11),
        change_at=T0 if change else None,
        before=before if change else None,
        after=after if change else None,
        last=after,
        maximum=after,
        window_mean=after,
        baseline_mean=before,
    )


def test_onset_is_the_change_point_else_the_first_sample() -> None:
    assert rose(_series(0.01, 0.4)) and onset(_series(0.01, 0.4)) == T0
    assert not rose(_series(0.4, 0.5))
    flat = _series(0.0, 0.0, change=False)
    assert not rose(flat) and onset(flat) == T0.replace(hour=11)


def test_near_onset_window() -> None:
    assert near_onset(T0.replace(hour=11, minute=30), T0)
    assert not near_onset(T0.replace(hour=10), T0)
    assert not near_onset(None, T0)


def test_quotes_are_lines_of_the_output() -> None:
    output = "head\n  cart → cart-cache.data.svc: 9 calls, 100% errors\nother"
    quote = quote_line(output, "cart → cart-cache")
    assert quote == "cart → cart-cache.data.svc: 9 calls, 100% errors"
    assert quote_line(output, "missing") is None


def test_queries_only_for_discovered_metrics() -> None:
    metrics = merge_listings(
        [
            {
                "names": ["http_requests_total", "http_request_duration_seconds_bucket"],
                "labels": {
                    "http_requests_total": ["code", "namespace", "service"],
                    "http_request_duration_seconds_bucket": ["le", "namespace", "service"],
                },
            },
            {"names": ["kube_pod_container_status_restarts_total"]},
        ]
    )
    roles = {q.role: q.promql for q in request_queries(metrics, ["shop"])}
    assert 'code=~"5.."' in roles["error_ratio"] and "sum by (service)" in roles["error_ratio"]
    assert "histogram_quantile" in roles["latency_p99"]
    saturation = {q.role for q in saturation_queries(metrics, ["shop"])}
    assert saturation == {"restarts"}
    assert request_queries(Metrics(), ["shop"]) == []


def _fact(component: str, kind: str, detail: str = "", weight: float = 1.0) -> Fact:
    return Fact(component, kind, f"c-{component}-{kind}", f"{component} {kind}", T0, detail, weight)


def test_a_rollout_where_errors_start_beats_an_old_change_elsewhere() -> None:
    suspects = Suspects()
    for fact in (
        _fact("payments", "origin", weight=1.5),
        _fact("payments", "errors"),
        _fact("payments", "rollout_image"),
        _fact("checkout", "errors"),
        _fact("recommendations", "rollout_image"),
    ):
        suspects.add(fact)
    verdicts = rank(suspects, frozenset())
    assert (verdicts[0].component, verdicts[0].category) == ("payments", "deployment")
    assert [f.component for f in refutable(suspects, "payments")] == ["recommendations"]


def test_a_node_evicting_symptomatic_pods_outranks_the_symptom() -> None:
    suspects = Suspects()
    for fact in (
        _fact("gateway", "origin", weight=1.5),
        _fact("gateway", "chain_end", weight=2.0),
        _fact("gateway", "errors"),
        _fact("node-1", "evicted", detail="gateway"),
        _fact("node-1", "node_pressure"),
    ):
        suspects.add(fact)
    verdicts = rank(suspects, frozenset())
    assert (verdicts[0].component, verdicts[0].category) == ("node-1", "infrastructure")


def test_categories_follow_the_strongest_cause() -> None:
    assert categorise({"rollout_resources", "oom"}, False) == "resource"
    assert categorise({"rollout_resources"}, False) == "deployment"
    assert categorise({"configmap", "origin"}, False) == "configuration"
    assert categorise({"origin"}, True) == "dependency"
    assert categorise({"origin", "errors"}, False) == "code"
    assert categorise({"crashloop"}, False) == "code"
    assert categorise({"hpa_max", "errors"}, False) == "capacity"


def test_an_eviction_message_names_its_node_not_the_word_after_node() -> None:
    prose = "The node was low on resource: ephemeral-storage. Threshold quantity: 10%."
    assert _node_in(prose) is None
    assert _node_in("Evicting pods from node ip-10-20-2-35.eu-west-1.compute.internal.") == (
        "ip-10-20-2-35.eu-west-1.compute.internal"
    )
    assert _node_in('node: "gke-pool-1-abcd" has disk pressure') == "gke-pool-1-abcd"


def test_a_log_line_blames_the_peer_it_names_not_its_own_logger() -> None:
    text = "com.shop.checkout.Handler : payments call exceeded client timeout; aborting"
    record = CallRecord(
        id="R1",
        name="query_logs",
        arguments={},
        output=f"[NEW] ×289 pod=checkout-1: {text}",
        data={"templates": [{"mark": "NEW", "template": text, "sources": {"pod=checkout-1": 289}}]},
    )
    # "checkout" and "payments" are as long: the peer is the one that is not logging.
    for known in (["checkout", "payments"], ["payments", "checkout"]):
        ctx = Context("checkout", T0, frozenset(known))
        into = Suspects()
        log_facts([[record]], ctx, into)
        assert [(c, [f.kind for f in fs]) for c, fs in into.facts.items()] == [
            ("payments", ["peer_failing"])
        ]
