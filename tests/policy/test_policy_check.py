"""Table tests for the pure policy check against the shipped default policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from policies.check import check
from policies.decision import Allow, CallCounts, Deny, ToolCall
from policies.load import default_policy_path, load_policy
from policies.model import Policy
from tools.base import Scope

POLICY = load_policy(default_policy_path())
SCOPE = Scope(namespaces=frozenset({"payments", "db"}), max_range=timedelta(hours=6))
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def decide(name: str, args: dict[str, Any], usage: CallCounts | None = None) -> Allow | Deny:
    return check(ToolCall("c1", name, args), SCOPE, POLICY, usage or CallCounts(), now=NOW)


ALLOWED = [
    ("pod_status", {"namespace": "payments", "workload": "api"}),
    ("k8s_events", {"namespace": "db", "lookback": "30m"}),
    ("query_logs", {"query": '{namespace="db"}', "raw_lines": 0}),
    ("list_metrics", {"match": '{namespace="db"}'}),
    ("query_logs", {"query": '{namespace="payments", app="api"} |= "error"', "lookback": "1h"}),
    ("query_logs", {"query": '{namespace=~"payments|db"} | json', "raw_lines": 50}),
    ("query_logs", {"query": 'sum(rate({namespace="db"} |= "timeout" [5m]))'}),
    ("query_logs", {"query": '{namespace="db"} |= "namespace=\\"evil\\" {namespace=\\"x\\"}"'}),
    ("query_logs", {"query": '{namespace="db"} | line_format "{{.namespace}} {x=1}"'}),
    ("query_metrics", {"query": 'rate(http_requests_total{namespace="payments"}[5m])'}),
    ("query_metrics", {"query": "node_load1"}),
    ("query_metrics", {"query": 'sum by (namespace) (rate(x{namespace=~"db"}[1h:1m]))'}),
    ("query_metrics", {"query": 'up{namespace="db"} @ end()'}),
    (
        "query_metrics",
        {
            "query": 'x{namespace="db"}',
            "start": "2024-05-01T06:00:00Z",
            "end": "2024-05-01T12:00:00Z",
        },
    ),
    ("query_metrics", {"query": 'x{namespace="db"}', "start": "2024-05-01T10:00:00+00:00"}),
    ("alert_context", {}),
    ("rank_components", {}),
    ("rank_components", {"lookback": "2h", "limit": 10}),
    ("trace_lookup", {"trace_id": "abc", "lookback": "2h"}),
]


@pytest.mark.parametrize(("tool", "args"), ALLOWED)
def test_allowed(tool: str, args: dict[str, Any]) -> None:
    assert decide(tool, args) == Allow(f"tools.{tool}")


DENIED = [
    ("exec_command", {"cmd": "id"}, "tool.not_allowed"),
    ("rank_components", {"lookback": "7h"}, "range.too_long"),
    ("rollback", {"namespace": "payments"}, "tool.not_allowed"),
    ("pod_status", {"namespace": "kube-system"}, "scope.namespace"),
    ("pod_status", {"namespace": ["payments", "prod"]}, "scope.namespace"),
    ("pod_status", {"namespace": 5}, "scope.namespace"),
    ("pod_status", {"workload": "api"}, "scope.namespace"),
    ("trace_lookup", {"trace_id": "a", "limit": 10_000}, "size.limit"),
    ("trace_lookup", {"trace_id": "a", "limit": True}, "size.limit"),
    ("trace_lookup", {"trace_id": "a", "limit": "10"}, "size.limit"),
    ("trace_lookup", {"trace_id": "a", "limit": -1}, "size.limit"),
    ("k8s_events", {"namespace": "db", "lookback": "30d"}, "range.too_long"),
    ("k8s_events", {"namespace": "db", "lookback": "thirty minutes"}, "range.invalid"),
    ("query_logs", {"query": '{app="api"}'}, "logql.unscoped_selector"),
    ("query_logs", {"query": '{namespace!="kube-system"}'}, "logql.unscoped_selector"),
    ("query_logs", {"query": '{app="x"} | namespace="payments"'}, "logql.unscoped_selector"),
    ("query_logs", {"query": '{namespace=~"pay.*"}'}, "logql.namespace_out_of_scope"),
    ("query_logs", {"query": '{namespace=~"payments|prod"}'}, "logql.namespace_out_of_scope"),
    (
        "query_logs",
        {"query": '{namespace="prod"} |= "namespace=\\"db\\""'},
        "logql.namespace_out_of_scope",
    ),
    (
        "query_logs",
        {"query": '{namespace="db"} or {namespace="prod"}'},
        "logql.namespace_out_of_scope",
    ),
    ("query_logs", {"query": '{namespace="db"} # {namespace="prod"}'}, "logql.syntax"),
    ("query_logs", {"query": '{namespace="db} |= "x"'}, "logql.syntax"),
    ("query_logs", {"query": "{namespace=db}"}, "logql.syntax"),
    ("query_logs", {"query": 'rate({namespace="db"}[30d])'}, "range.too_long"),
    ("query_logs", {"query": '{namespace="db"}', "raw_lines": 51}, "size.limit"),
    ("query_logs", {"query": '{namespace="db"}', "lookback": "7d"}, "range.too_long"),
    ("query_metrics", {"query": 'up{namespace="prod"}'}, "promql.namespace_out_of_scope"),
    ("query_metrics", {"query": "http_requests_total"}, "promql.unscoped_selector"),
    ("query_metrics", {"query": 'x{namespace="db"} / y'}, "promql.unscoped_selector"),
    ("query_metrics", {"query": '{__name__=~"node_.*"}'}, "promql.unscoped_selector"),
    ("query_metrics", {"query": 'rate(x{namespace="db"}[30d])'}, "range.too_long"),
    ("query_metrics", {"query": 'max_over_time(x{namespace="db"}[30d:1h])'}, "range.too_long"),
    ("query_metrics", {"query": 'x{namespace="db"} offset 8h'}, "range.too_long"),
    ("query_metrics", {"query": 'x{namespace="db"} @ 1609746000'}, "range.too_long"),
    (
        "query_metrics",
        {
            "query": 'x{namespace="db"}',
            "start": "2024-04-01T00:00:00Z",
            "end": "2024-05-01T00:00:00Z",
        },
        "range.too_long",
    ),
    (
        "query_metrics",
        {
            "query": 'x{namespace="db"}',
            "start": "2024-05-01T10:00:00Z",
            "end": "2024-05-01T09:00:00Z",
        },
        "range.invalid",
    ),
    (
        "query_metrics",
        {"query": 'x{namespace="db"}', "start": "2024-05-01T10:00:00"},
        "range.invalid",
    ),
    (
        "query_metrics",
        {"query": 'x{namespace="db"}', "start": "2024-04-01T10:00:00Z"},
        "range.too_long",
    ),
    ("query_metrics", {"query": ["up"]}, "promql.syntax"),
    ("list_metrics", {"match": "http_requests_total"}, "promql.unscoped_selector"),
]


@pytest.mark.parametrize(("tool", "args", "rule"), DENIED)
def test_denied(tool: str, args: dict[str, Any], rule: str) -> None:
    decision = decide(tool, args)
    assert isinstance(decision, Deny), decision
    assert decision.rule == rule, decision.reason
    assert decision.reason


def test_over_range_reason_names_the_maximum() -> None:
    decision = decide("query_metrics", {"query": 'rate(x{namespace="db"}[30d])'})
    assert isinstance(decision, Deny)
    assert "30d" in decision.reason and "6h" in decision.reason


def test_scope_max_range_tightens_the_tool_maximum() -> None:
    narrow = Scope(namespaces=frozenset({"db"}), max_range=timedelta(hours=1))
    call = ToolCall("c", "k8s_events", {"namespace": "db", "lookback": "2h"})
    decision = check(call, narrow, POLICY, CallCounts())
    assert isinstance(decision, Deny) and decision.rule == "range.too_long"
    assert "1h" in decision.reason


def _resource_policy() -> Policy:
    rule = POLICY.tools["pod_status"].model_copy(
        update={"resource_arg": "kind", "namespace": POLICY.tools["pod_status"].namespace}
    )
    return POLICY.model_copy(update={"tools": {**POLICY.tools, "get_resource": rule}})


@pytest.mark.parametrize(
    ("args", "rule"),
    [
        ({"kind": "secrets", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "Secret", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "v1/secrets", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "pods/exec", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "pods/portforward", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "serviceaccounts/token", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "clusterroles", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "customresourcedefinitions", "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": ["pods"], "namespace": "db"}, "k8s.resource_denied"),
        ({"kind": "pods", "namespace": "db"}, None),
        ({"kind": "pods/log", "namespace": "db"}, None),
        ({"kind": "nodes"}, None),
    ],
)
def test_kubernetes_resources(args: dict[str, Any], rule: str | None) -> None:
    policy = _resource_policy()
    # The namespace is optional here so that cluster-scoped reads can be tested.
    tool = policy.tools["get_resource"]
    assert tool.namespace is not None
    optional = tool.model_copy(
        update={"namespace": tool.namespace.model_copy(update={"optional": True})}
    )
    policy = policy.model_copy(update={"tools": {**policy.tools, "get_resource": optional}})
    decision = check(ToolCall("c", "get_resource", args), SCOPE, policy, CallCounts())
    if rule is None:
        assert isinstance(decision, Allow)
    else:
        assert isinstance(decision, Deny) and decision.rule == rule, decision


def test_cluster_wide_reads_only_for_nodes() -> None:
    policy = _resource_policy()
    tool = policy.tools["get_resource"]
    assert tool.namespace is not None
    optional = tool.model_copy(
        update={"namespace": tool.namespace.model_copy(update={"optional": True})}
    )
    policy = policy.model_copy(update={"tools": {**policy.tools, "get_resource": optional}})
    decision = check(ToolCall("c", "get_resource", {"kind": "pods"}), SCOPE, policy, CallCounts())
    assert isinstance(decision, Deny) and decision.rule == "scope.cluster"


def test_secret_denial_names_it_denied() -> None:
    decision = check(
        ToolCall("c", "get_resource", {"kind": "secrets", "namespace": "db"}),
        SCOPE,
        _resource_policy(),
        CallCounts(),
    )
    assert isinstance(decision, Deny) and "'secrets' is denied" in decision.reason


def test_call_cap_per_tool() -> None:
    usage = CallCounts()
    cap = POLICY.tools["pod_status"].max_calls
    for n in range(cap):
        call = ToolCall(str(n), "pod_status", {"namespace": "db", "workload": f"w{n}"})
        assert isinstance(check(call, SCOPE, POLICY, usage), Allow)
        usage.record(call)
    over = check(
        ToolCall("x", "pod_status", {"namespace": "db", "workload": "new"}), SCOPE, POLICY, usage
    )
    assert isinstance(over, Deny) and over.rule == "calls.cap"
    # Another tool still has its own budget.
    assert isinstance(decide("alert_context", {}, usage), Allow)


def test_total_call_cap() -> None:
    usage = CallCounts()
    usage.per_tool["query_logs"] = POLICY.max_calls_total
    decision = decide("alert_context", {}, usage)
    assert isinstance(decision, Deny) and decision.rule == "calls.cap"


def test_identical_repeat_is_refused_but_a_variant_is_not() -> None:
    usage = CallCounts()
    first = ToolCall("1", "pod_status", {"namespace": "db", "workload": "api"})
    usage.record(first)
    again = check(
        ToolCall("2", "pod_status", {"workload": "api", "namespace": "db"}), SCOPE, POLICY, usage
    )
    assert isinstance(again, Deny) and again.rule == "calls.repeat"
    other = check(
        ToolCall("3", "pod_status", {"namespace": "db", "workload": "web"}), SCOPE, POLICY, usage
    )
    assert isinstance(other, Allow)


def test_start_without_end_needs_a_clock() -> None:
    call = ToolCall(
        "c", "query_metrics", {"query": 'x{namespace="db"}', "start": "2024-05-01T10:00:00Z"}
    )
    decision = check(call, SCOPE, POLICY, CallCounts())
    assert isinstance(decision, Deny) and decision.rule == "range.invalid"


def test_empty_scope_denies_every_namespace() -> None:
    empty = Scope(namespaces=frozenset())
    decision = check(ToolCall("c", "pod_status", {"namespace": ""}), empty, POLICY, CallCounts())
    assert isinstance(decision, Deny) and decision.rule == "scope.namespace"
