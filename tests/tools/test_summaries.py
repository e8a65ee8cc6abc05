import math

from agent.bundle.model import LogRecord
from tools.summarise.kube import env_names, pod_facts, selector_text
from tools.summarise.rollout import diff_templates, managed_times
from tools.summarise.series import deviation, summarise_matrix
from tools.summarise.servicegraph import build_edges, percentile
from tools.summarise.spans import Span, critical_path, spans_from_otlp, summarise_trace
from tools.summarise.templates import cluster, mark

# ---- series -------------------------------------------------------------------------------


def matrix(name: str, values: list[float], t0: float = 0.0) -> dict[str, object]:
    return {
        "metric": {"__name__": name},
        "values": [[t0 + 30 * i, str(v)] for i, v in enumerate(values)],
    }


def test_series_ranked_by_deviation_from_baseline() -> None:
    flat = matrix("flat", [1.0] * 40)
    jump = matrix("jump", [1.0] * 20 + [9.0] * 20)
    out = summarise_matrix([flat, jump], split=30 * 20)
    assert [s.labels["__name__"] for s in out] == ["jump", "flat"]
    top = out[0]
    assert top.baseline_mean == 1.0 and top.window_mean == 9.0
    assert top.change is not None and top.change_ts == 600
    assert "level change at 1970-01-01T00:10:00Z: 1 → 9" in top.line()


def test_series_skips_nan_and_non_numeric() -> None:
    item = {"metric": {}, "values": [[0, "NaN"], [30, "x"], [60, "2"]]}
    (only,) = summarise_matrix([item], split=None)
    assert only.points == 1 and only.last == 2.0
    assert summarise_matrix([{"metric": {}, "values": [[0, "NaN"]]}], split=None) == []


def test_deviation() -> None:
    assert deviation([], [1.0]) == 0.0
    assert math.isinf(deviation([1.0], []))
    assert deviation([2.0, 2.0], [1.0, 1.0]) == 20.0  # spread floored at 5% of the mean


# ---- log templates ------------------------------------------------------------------------


def test_mark_table() -> None:
    assert mark(3, 60, 0, 60) == "NEW"
    assert mark(50, 60, 5, 60) == "SPIKE"
    assert mark(9, 60, 1, 60) == "KNOWN"  # 9× but below the minimum count
    assert mark(40, 60, 10, 60) == "KNOWN"  # only 4×
    assert mark(50, 60, 10, 600) == "SPIKE"  # rates, not counts, are compared


def rec(ts: int, line: str, pod: str = "p-1") -> LogRecord:
    return LogRecord(ts_ns=ts * 1_000_000_000, labels={"pod": pod, "app": "a"}, line=line)


def test_cluster_marks_new_spike_known() -> None:
    window = (
        [rec(100 + i, f"payment failed for order {i}") for i in range(3)]
        + [rec(200 + i, f"timeout calling db after {i} ms", pod="p-2") for i in range(20)]
        + [rec(300 + i, f"request done in {i} ms") for i in range(30)]
    )
    baseline = [rec(i, f"timeout calling db after {i} ms") for i in range(2)] + [
        rec(i, f"request done in {i} ms") for i in range(30)
    ]
    facts = cluster(window, baseline, 600, 600)
    marks = {f.template.split()[0]: f.mark for f in facts}
    assert marks == {"payment": "NEW", "timeout": "SPIKE", "request": "KNOWN"}
    assert [f.mark for f in facts][:2] == ["SPIKE", "NEW"]  # NEW/SPIKE first, then by count
    timeout = next(f for f in facts if f.template.startswith("timeout"))
    assert timeout.count == 20 and timeout.baseline_count == 2
    assert timeout.sources.most_common(1) == [("pod=p-2", 20)]
    assert timeout.first_ns == 200 * 10**9 and timeout.last_ns == 219 * 10**9
    assert len(timeout.examples) == 2


def test_cluster_without_baseline_is_unmarked() -> None:
    facts = cluster([rec(1, "x happened")], None, 60, 60)
    assert facts[0].mark is None


# ---- spans and service graph --------------------------------------------------------------


def span(sid: str, parent: str, service: str, start: int, end: int, **kw: object) -> Span:
    return Span(
        trace_id="t1",
        span_id=sid,
        parent_id=parent,
        service=service,
        name=f"op-{sid}",
        kind=str(kw.get("kind", "SERVER")),
        start_ns=start * 1_000_000,
        end_ns=end * 1_000_000,
        error=bool(kw.get("error", False)),
        message=str(kw.get("message", "")),
        attributes=dict(kw.get("attributes", {})),  # type: ignore[call-overload]
    )


TRACE = [
    span("a", "", "frontend", 0, 100),
    span("b", "a", "api", 5, 40),
    span("c", "a", "api", 10, 95),
    span("d", "c", "payments", 20, 90, error=True, message="NPE in tax resolver"),
    span("e", "c", "api", 15, 30, kind="CLIENT", attributes={"peer.service": "redis"}),
]


def test_critical_path_follows_latest_ending_child() -> None:
    assert [s.span_id for s in critical_path(TRACE)] == ["a", "c", "d"]


def test_trace_summary() -> None:
    summary = summarise_trace(TRACE)
    assert summary.root == "frontend op-a"
    assert summary.duration_ms == 100.0
    assert summary.services == ["api", "frontend", "payments"]
    assert summary.errors == ["payments op-d (70.0 ms): NPE in tax resolver"]


def test_service_graph_edges() -> None:
    edges = {(e.caller, e.callee): e for e in build_edges(TRACE)}
    assert set(edges) == {("frontend", "api"), ("api", "payments"), ("api", "redis")}
    assert edges[("frontend", "api")].calls == 2
    assert edges[("api", "payments")].error_rate == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.95) == 4.0
    assert percentile([], 0.5) == 0.0


def test_spans_from_tempo_batches() -> None:
    body = {
        "batches": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "aa",
                                "spanId": "01",
                                "name": "GET",
                                "kind": "SPAN_KIND_SERVER",
                                "startTimeUnixNano": "1000000",
                                "endTimeUnixNano": "3000000",
                                "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
                                "attributes": [
                                    {"key": "http.status_code", "value": {"intValue": "500"}}
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    (only,) = spans_from_otlp(body)
    assert (only.service, only.kind, only.error, only.message) == ("cart", "SERVER", True, "boom")
    assert only.duration_ms == 2.0 and only.attributes == {"http.status_code": "500"}


# ---- kubernetes shapes --------------------------------------------------------------------


def container(image: str, env: dict[str, str], limits: dict[str, str]) -> dict[str, object]:
    return {
        "name": "app",
        "image": image,
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "resources": {"limits": limits},
    }


def template(c: dict[str, object]) -> dict[str, object]:
    return {"spec": {"containers": [c]}}


def test_diff_templates_names_changes_never_values() -> None:
    old = template(
        container("pay:1", {"MODE": "a", "DB_PASSWORD": "hunter2", "OLD": "x"}, {"memory": "512Mi"})
    )
    new = template(
        container("pay:2", {"MODE": "b", "DB_PASSWORD": "s3cret!", "NEW": "y"}, {"memory": "256Mi"})
    )
    changes = diff_templates(old, new)
    text = " ".join(changes)
    assert "app: image pay:1 → pay:2" in changes
    assert "app: env added NEW" in changes and "app: env removed OLD" in changes
    assert "app: env changed MODE" in changes
    assert "app: limits.memory 512Mi → 256Mi" in changes
    assert "1 secret-looking env var(s) changed" in text
    for value in ("hunter2", "s3cret!", "DB_PASSWORD", "'a'", "'b'"):
        assert value not in text


def test_env_names_drop_secret_looking_names() -> None:
    c = container("x", {"API_TOKEN": "t", "LOG_LEVEL": "info"}, {})
    assert env_names(c) == ["LOG_LEVEL"]


def test_selector_text() -> None:
    sel = {
        "matchLabels": {"app": "cart", "tier": "web"},
        "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "stage"]}],
    }
    assert selector_text(sel) == "app=cart,tier=web,env in (prod,stage)"
    assert selector_text(None) is None


def test_pod_facts() -> None:
    pod = {
        "metadata": {"name": "cart-1"},
        "spec": {"nodeName": "n1", "containers": [container("cart:1", {}, {"memory": "64Mi"})]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 4,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {
                        "terminated": {
                            "reason": "OOMKilled",
                            "exitCode": 137,
                            "finishedAt": "2025-01-01T00:00:00Z",
                        }
                    },
                }
            ],
        },
    }
    facts = pod_facts(pod)
    assert facts["ready"] is False and facts["restarts"] == 4 and facts["node"] == "n1"
    (c,) = facts["containers"]
    assert c["waiting"] == "CrashLoopBackOff"
    assert c["last_termination"] == {
        "reason": "OOMKilled",
        "exit_code": 137,
        "finished_at": "2025-01-01T00:00:00Z",
    }
    assert c["resources"] == {"limits": {"memory": "64Mi"}}


def test_managed_times_lists_touched_data_keys() -> None:
    cm = {
        "metadata": {
            "managedFields": [
                {"time": "2025-01-01T00:00:00Z", "fieldsV1": {"f:data": {"f:b": {}, "f:a": {}}}},
                {"time": "2025-01-02T00:00:00Z", "fieldsV1": {"f:metadata": {}}},
            ]
        }
    }
    assert managed_times(cm) == [("2025-01-01T00:00:00Z", ["a", "b"]), ("2025-01-02T00:00:00Z", [])]
