"""``rank_components`` and the offline investigator on trimmed real incidents (Nezha, MIT).

The bundles (``fixtures/nezha``) have what real incidents often have and our simulator does
not: latency as summary quantiles, spans without any status, Istio-style edge metrics, no
service catalogue. One is metrics-only; the other is also run with Prometheus switched off
(traces only).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from replay_run import investigate_replay

from agent.brains.offline import OfflineBrain
from agent.replay.environment import ReplayEnvironment
from agent.server.console.charts import pick, series_charts
from evals.bench_rank import tool_context
from tools.base import ToolResult
from tools.localize import RankInput, rank_components

NEZHA = Path(__file__).resolve().parents[2] / "fixtures" / "nezha"
METRICS_ONLY = "ob-003-metrics-only"
TRACES = "ob-013-traces"

pytestmark = [pytest.mark.replay, pytest.mark.prometheus, pytest.mark.xdist_group("nezha")]


@pytest.fixture(scope="module")
def envs() -> Iterator[dict[str, ReplayEnvironment]]:
    started = {}
    try:
        for name in (METRICS_ONLY, TRACES):
            env = ReplayEnvironment(NEZHA / name)
            env.start()
            started[name] = env
        yield started
    finally:
        for env in started.values():
            env.close()


def _rank(env: ReplayEnvironment, *, without: str | None = None) -> ToolResult:
    with tool_context(env, without=without) as ctx:
        return rank_components(RankInput(), ctx)


def _top(result: ToolResult) -> dict[str, object]:
    ranking = result.data["ranking"]
    assert ranking, result.summary
    return ranking[0]


def test_metrics_only_summary_quantiles_point_at_the_starved_pod(
    envs: dict[str, ReplayEnvironment],
) -> None:
    result = _rank(envs[METRICS_ONLY])
    top = _top(result)
    assert top["component"] == "adservice", result.summary
    signals = top["signals"]
    assert isinstance(signals, list)
    names = " ".join(str(s["name"]) for s in signals)
    assert 'quantile="' in names  # latency came from summary quantiles, not histograms
    assert any(s["aspect"] == "resource" and s["score"] >= 3.5 for s in signals), signals
    assert any("traces: none" in gap for gap in result.data["data_gaps"])
    # Every signal carries the exact query behind it.
    assert all(
        str(s["query"]).startswith(("sum by", "max by", "histogram_quantile")) for s in signals
    )
    assert result.summary.count("| query: ") >= len(signals)


def test_latency_only_traces_without_status_point_at_the_delayed_service(
    envs: dict[str, ReplayEnvironment],
) -> None:
    lines = (NEZHA / TRACES / "traces.jsonl").read_text().splitlines()
    statuses = {
        json.dumps(span.get("status") or {})
        for line in lines
        for batch in json.loads(line)["resourceSpans"]
        for scope in batch["scopeSpans"]
        for span in scope["spans"]
    }
    assert statuses == {"{}"}  # no span carries a status: latency is all there is
    result = _rank(envs[TRACES])
    assert _top(result)["component"] == "shippingservice", result.summary


def test_traces_only(envs: dict[str, ReplayEnvironment]) -> None:
    result = _rank(envs[TRACES], without="prometheus")
    top = _top(result)
    assert top["component"] == "shippingservice", result.summary
    assert top["sources"] == ["traces"]
    assert "metrics: Prometheus not configured" in result.data["data_gaps"]


@pytest.mark.parametrize(
    ("bundle", "component", "category"),
    [(METRICS_ONLY, "adservice", "resource"), (TRACES, "shippingservice", "network")],
)
def test_offline_investigation_without_a_catalogue(
    envs: dict[str, ReplayEnvironment], bundle: str, component: str, category: str
) -> None:
    env = envs[bundle]
    assert not env.bundle.catalog.services
    report, state = investigate_replay(env, OfflineBrain(env.bundle.catalog))
    assert report.root_cause is not None
    assert (report.root_cause.component, report.root_cause.category) == (component, category)
    names = [c.name for t in state.turns for c in t.calls]
    assert names.index("rank_components") < names.index("pod_status")  # located, then drilled
    assert "query_logs" in names
    assert not [c for t in state.turns for c in t.calls if c.status == "denied"]


def test_an_alert_firing_for_hours_is_investigated_around_its_start(tmp_path: Path) -> None:
    bundle = tmp_path / "late"
    shutil.copytree(NEZHA / METRICS_ONLY, bundle)
    incident = yaml.safe_load((bundle / "incident.yaml").read_text())
    now = datetime.fromisoformat(str(incident["now"]).replace("Z", "+00:00"))
    incident["now"] = (now + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    incident["window"]["end"] = incident["now"]
    (bundle / "incident.yaml").write_text(yaml.safe_dump(incident))
    env = ReplayEnvironment(bundle)
    env.start()
    try:
        report, state = investigate_replay(env, OfflineBrain(env.bundle.catalog))
    finally:
        env.close()
    denied = [c for t in state.turns for c in t.calls if c.status == "denied"]
    assert not denied, [(c.name, c.output) for c in denied]
    assert report.root_cause is not None and report.root_cause.component == "adservice"


def test_the_ranking_records_a_chartable_series_per_entry(
    envs: dict[str, ReplayEnvironment],
) -> None:
    result = _rank(envs[METRICS_ONLY])
    charts = series_charts(result.data)
    assert charts, result.data.get("series")
    top = _top(result)
    first = charts[0]
    assert first.subject == top["component"]
    signals = top["signals"]
    assert isinstance(signals, list)
    assert first.signal in {str(s["name"]) for s in signals}
    assert len(first.points) >= 10 and first.window_start is not None
    # The baseline ends at the ranking's onset, and the points span both sides of it.
    assert first.points[0][0] < first.window_start <= first.points[-1][0]
    head = f"1. {top['component']}: score"
    assert pick(charts, head) is first
