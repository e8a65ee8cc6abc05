"""The simulator's bundles: deterministic, well-formed and coherent with the contract."""

from __future__ import annotations

import filecmp
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.alerts.fingerprint import fingerprint
from agent.bundle.model import Catalog, Incident, Truth
from evals.simulator import SCENARIOS, generate
from evals.simulator.timefmt import parse

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "incidents"
IDS = [s.id for s in SCENARIOS]
FILES = (
    "incident.yaml",
    "alert.json",
    "metrics.om.gz",
    "logs.jsonl",
    "k8s.yaml",
    "traces.jsonl",
    "catalog.yaml",
    "truth.yaml",
)
CAUSE_WORDS = (
    "oom",
    "memory",
    "rollout",
    "deploy",
    "redis",
    "cache",
    "dns",
    "cert",
    "config",
    "throttl",
    "evict",
    "node",
    "payment",
    "cart",
    "database",
    "postgres",
    "pool",
    "limit",
    "crash",
    "release",
)


@pytest.fixture(scope="module", params=IDS)
def bundle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(request.param, tmp_path_factory.mktemp("fresh"))


def test_generation_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = generate(IDS[0], tmp_path / "a")
    second = generate(IDS[0], tmp_path / "b")
    for name in FILES:
        assert filecmp.cmp(first / name, second / name, shallow=False), name


def test_committed_fixture_equals_fresh_generation(bundle: Path) -> None:
    committed = FIXTURES / bundle.name
    for name in FILES:
        assert filecmp.cmp(committed / name, bundle / name, shallow=False), (
            f"{committed / name} is stale: run python -m evals.simulator --out fixtures/incidents"
        )


def _incident(bundle: Path) -> Incident:
    return Incident.model_validate(yaml.safe_load((bundle / "incident.yaml").read_text()))


def test_incident_catalog_and_truth_validate(bundle: Path) -> None:
    incident = _incident(bundle)
    assert incident.id == bundle.name
    assert incident.window.end == incident.now
    Catalog.model_validate(yaml.safe_load((bundle / "catalog.yaml").read_text()))
    truth = Truth.model_validate(yaml.safe_load((bundle / "truth.yaml").read_text()))
    world = next(s for s in SCENARIOS if s.id == bundle.name).world
    known = {w.name for w in world.workloads} | {d.name for d in world.datastores}
    known |= set(world.nodes)
    assert truth.root_cause.component in known  # a workload, a dependency or a node


def test_title_and_id_do_not_name_the_cause(bundle: Path) -> None:
    incident = _incident(bundle)
    for text in (incident.id, incident.title, incident.description or ""):
        hits = [w for w in CAUSE_WORDS if w in text.lower()]
        assert not hits, f"{text!r} hints at the cause: {hits}"


def test_alert_payload_shape_and_fingerprints(bundle: Path) -> None:
    payload = json.loads((bundle / "alert.json").read_text())
    incident = _incident(bundle)
    assert payload["version"] == "4"
    assert payload["status"] == "firing"
    fingerprints = []
    for alert in payload["alerts"]:
        assert alert["fingerprint"] == fingerprint(alert["labels"])
        assert alert["endsAt"] == "0001-01-01T00:00:00Z"
        assert {"alertname", "severity", "namespace", "service"} <= set(alert["labels"])
        assert {"summary", "description", "runbook_url"} <= set(alert["annotations"])
        assert alert["generatorURL"].startswith("http://prometheus.monitoring:9090/graph?g0.expr=")
        starts = parse(alert["startsAt"])
        assert incident.window.start.timestamp() + 300 <= starts <= incident.now.timestamp()
        fingerprints.append(alert["fingerprint"])
    assert incident.alert_fingerprint in fingerprints


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_logs_parse_are_sorted_and_inside_the_window(bundle: Path) -> None:
    incident = _incident(bundle)
    records = _jsonl(bundle / "logs.jsonl")
    assert 5_000 <= len(records) <= 30_000
    stamps = [r["ts"] for r in records]
    assert stamps == sorted(stamps)
    assert incident.window.start.isoformat()[:19] <= stamps[0][:19]
    assert stamps[-1][:19] < incident.now.isoformat()[:19]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", s) for s in stamps)
    for r in records[:200]:
        assert {"namespace", "pod", "container", "app", "node"} <= set(r["labels"])


def test_spans_form_trees_inside_the_window(bundle: Path) -> None:
    incident = _incident(bundle)
    lo, hi = incident.window.start.timestamp() * 1e9, incident.now.timestamp() * 1e9
    traces = _jsonl(bundle / "traces.jsonl")
    assert 200 <= len(traces) <= 600
    for trace in traces:
        spans = {
            s["spanId"]: s
            for rs in trace["resourceSpans"]
            for ss in rs["scopeSpans"]
            for s in ss["spans"]
        }
        roots = [s for s in spans.values() if not s["parentSpanId"]]
        assert len(roots) == 1
        for span in spans.values():
            start, end = int(span["startTimeUnixNano"]), int(span["endTimeUnixNano"])
            assert lo <= start <= end <= hi
            parent = spans.get(span["parentSpanId"])
            if span["parentSpanId"]:
                assert parent is not None
                assert int(parent["startTimeUnixNano"]) <= start
                assert end <= int(parent["endTimeUnixNano"])


def test_k8s_objects_never_include_secrets(bundle: Path) -> None:
    objects = list(yaml.safe_load_all((bundle / "k8s.yaml").read_text()))
    kinds = {o["kind"] for o in objects}
    assert "Secret" not in kinds
    assert {
        "Namespace",
        "Node",
        "Deployment",
        "ReplicaSet",
        "Pod",
        "StatefulSet",
        "DaemonSet",
        "Service",
        "ConfigMap",
        "Event",
    } <= kinds
    uids = {o["metadata"]["uid"] for o in objects}
    for obj in objects:
        for owner in obj["metadata"].get("ownerReferences", []):
            assert owner["uid"] in uids, f"{obj['kind']} {obj['metadata']['name']} owner missing"


def test_metrics_are_grouped_ordered_and_monotonic(bundle: Path) -> None:
    with gzip.open(bundle / "metrics.om.gz", "rt", encoding="utf-8") as handle:
        text = handle.read()
    assert text.endswith("# EOF\n")
    seen_families: list[str] = []
    last: dict[str, tuple[int, float]] = {}
    counters: set[str] = set()
    samples = 0
    for line in text.splitlines()[:-1]:
        if line.startswith("# TYPE"):
            _, _, name, kind = line.split()
            assert name not in seen_families, f"family {name} split in two"
            seen_families.append(name)
            if kind == "counter":
                counters.add(name)
            continue
        if line.startswith("#"):
            continue
        series, value, ts = line.rsplit(" ", 2)
        samples += 1
        previous = last.get(series)
        if previous is not None:
            assert int(ts) > previous[0], f"{series} out of order"
        last[series] = (int(ts), float(value))
    assert samples <= 90_000


def test_onset_follows_the_cause_in_k8s(bundle: Path) -> None:
    """The first error spans (or the alert, when nothing fails) come after the cause."""
    scn = next(s for s in SCENARIOS if s.id == bundle.name)
    causes = [r.at for r in scn.rollouts if r.workload == scn.truth.component] + [
        e.start for e in scn.effects if e.component == scn.truth.component
    ]
    causes += [p.start for p in scn.capacity.pressures if p.node == scn.truth.component]
    causes += [s.start for s in scn.capacity.surges if s.component == scn.truth.component]
    fired = parse(json.loads((bundle / "alert.json").read_text())["alerts"][0]["startsAt"])
    first_error = min(
        (
            int(s["startTimeUnixNano"]) / 1e9
            for t in _jsonl(bundle / "traces.jsonl")
            for rs in t["resourceSpans"]
            for ss in rs["scopeSpans"]
            for s in ss["spans"]
            if s["status"]["code"] == "STATUS_CODE_ERROR"
            and int(s["startTimeUnixNano"]) / 1e9 > scn.start + 60
        ),
        default=fired,  # a latency-only incident has no error spans
    )
    assert min(causes) <= first_error
