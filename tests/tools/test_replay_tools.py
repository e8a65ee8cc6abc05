"""Every tool against every bundled incident, through the replay environment's real HTTP APIs."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.alerts.model import Alert, alert_from_alertmanager
from agent.replay.environment import Endpoints, ReplayEnvironment
from tools.base import Scope, ToolContext, ToolResult
from tools.catalog import all_tools
from tools.clients import Backends, LokiReader

INCIDENTS = Path(__file__).resolve().parents[2] / "fixtures" / "incidents"
BUNDLES = sorted(p.name for p in INCIDENTS.iterdir() if (p / "incident.yaml").is_file())
TOOLS = {t.name: t for t in all_tools()}

pytestmark = pytest.mark.replay


@dataclass
class Replay:
    endpoints: Endpoints
    ctx: ToolContext
    alert: Alert


@pytest.fixture(
    scope="session",
    params=[pytest.param(b, marks=pytest.mark.xdist_group(b)) for b in BUNDLES],
)
def replay(request: pytest.FixtureRequest) -> Iterator[Replay]:
    env = ReplayEnvironment(INCIDENTS / request.param)
    with env as endpoints:
        alert = alert_from_alertmanager(env.bundle.alert_payload["alerts"][0])
        backends = Backends.from_urls(
            prometheus=endpoints.prometheus,
            loki=endpoints.loki,
            tempo=endpoints.tempo,
            kubeconfig=endpoints.kubeconfig,
            alertmanager=endpoints.alertmanager,
            timeout=15,
        )
        ns = alert.namespace or "default"
        ctx = ToolContext(
            backends=backends, now=endpoints.now, alert=alert, scope=Scope(frozenset({ns}))
        )
        yield Replay(endpoints, ctx, alert)
        backends.close()


def calls(alert: Alert) -> list[tuple[str, dict[str, Any]]]:
    ns = alert.namespace or "default"
    service = alert.labels.get("service") or alert.labels.get("app") or "unknown"
    return [
        ("alert_context", {}),
        ("list_metrics", {"match": "http"}),
        ("list_metrics", {"match": "http_requests", "label": "service"}),
        ("query_metrics", {"query": alert.expression or "up"}),
        (
            "query_metrics",
            {
                "query": f'sum by (service) (rate(http_requests_total{{namespace="{ns}"}}[5m]))',
                "lookback": "30m",
            },
        ),
        ("query_metrics", {"query": "up", "mode": "instant"}),
        (
            "query_logs",
            {"query": f'{{namespace="{ns}"}} |~ "(?i)error|exception|fail"', "raw_lines": 3},
        ),
        ("query_logs", {"query": f'sum by (app) (count_over_time({{namespace="{ns}"}}[5m]))'}),
        ("pod_status", {"namespace": ns, "workload": service}),
        ("pod_status", {"namespace": ns, "label_selector": f"app={service}"}),
        ("deployment_history", {"namespace": ns, "name": service}),
        ("deployment_history", {"namespace": ns, "lookback": "3h"}),
        ("k8s_events", {"namespace": ns, "types": ["Warning", "Normal"]}),
        ("trace_lookup", {"errors_only": True}),
        ("trace_lookup", {"service": service, "lookback": "30m"}),
        ("service_graph", {}),
        ("log_labels", {}),
        ("log_labels", {"namespace": ns, "label": "app"}),
        ("rank_components", {}),
        ("rank_components", {"lookback": "1h", "limit": 3}),
    ]


def run(replay: Replay, name: str, args: dict[str, Any]) -> ToolResult:
    tool = TOOLS[name]
    return tool.func(tool.input_model.model_validate(args), replay.ctx)


def test_every_tool_works_on_a_healthy_replay(replay: Replay) -> None:
    results = [(name, args, run(replay, name, args)) for name, args in calls(replay.alert)]
    # A trace found by search must be fetchable by id.
    search = next(r for n, a, r in results if n == "trace_lookup" and a.get("errors_only"))
    if search.data.get("traces"):
        trace_id = search.data["traces"][0]["trace_id"]
        results.append(
            (
                "trace_lookup",
                {"trace_id": trace_id},
                run(replay, "trace_lookup", {"trace_id": trace_id}),
            )
        )
    assert {n for n, _, _ in results} == set(TOOLS)
    for name, args, result in results:
        assert result.status in ("ok", "no_data", "truncated"), (name, args, result.gap)
        assert result.request, name
        assert len(result.summary) <= replay.ctx.limits.max_chars, name
    statuses = {(n, str(a)): r.status for n, a, r in results}
    assert statuses[("alert_context", "{}")] == "ok"


def test_summaries_are_much_smaller_than_raw_responses(replay: Replay) -> None:
    results = [run(replay, name, args) for name, args in calls(replay.alert)]
    raw = sum(r.raw_bytes for r in results)
    handed = sum(len(r.summary.encode()) for r in results)
    ratio = raw / max(handed, 1)
    print(f"raw {raw} bytes, summaries {handed} bytes, ratio {ratio:.1f}x")
    assert ratio >= 10


def test_loki_down_yields_a_gap(replay: Replay) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backends = Backends(
        prometheus=replay.ctx.backends.prometheus,
        loki=LokiReader(f"http://127.0.0.1:{port}", timeout=2),
    )
    ctx = ToolContext(
        backends=backends, now=replay.ctx.now, alert=replay.alert, scope=replay.ctx.scope
    )
    tool = TOOLS["query_logs"]
    result = tool.func(tool.input_model.model_validate({"query": '{namespace="shop"}'}), ctx)
    assert backends.loki is not None
    backends.loki.close()
    assert result.status == "error"
    assert result.gap is not None and "Loki unreachable" in result.gap and "missing" in result.gap
