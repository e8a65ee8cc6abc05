from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from incidents import INCIDENTS
from replay_run import record_replay

from agent.bundle.validate import validate_bundle
from agent.config.settings import ModelSettings
from agent.replay.environment import ReplayEnvironment
from evals.runner import EvalConfig, brain_factory, run_case

BUNDLE = "checkout-5xx-0412"


@pytest.mark.replay
@pytest.mark.slow
@pytest.mark.xdist_group(BUNDLE)
def test_recorded_bundle_validates_and_replays(
    replay: Callable[[str], ReplayEnvironment], tmp_path: Path
) -> None:
    env = replay(BUNDLE)
    out = tmp_path / "recorded"
    summary = record_replay(env, out)
    assert summary.skipped == {}
    assert all(count > 0 for count in summary.counts.values()), summary.counts
    assert validate_bundle(out) == []
    assert not (out / "truth.yaml").exists()
    incident = yaml.safe_load((out / "incident.yaml").read_text(encoding="utf-8"))
    assert incident["alert_fingerprint"] == env.bundle.incident.alert_fingerprint
    kinds = {d["kind"] for d in yaml.safe_load_all((out / "k8s.yaml").read_text(encoding="utf-8"))}
    assert "Secret" not in kinds and {"Pod", "Deployment", "ReplicaSet", "Node"} <= kinds
    with gzip.open(out / "metrics.om.gz", "rt", encoding="utf-8") as handle:
        text = handle.read()
    assert text.endswith("# EOF\n") and "node_" in text
    first_trace = json.loads((out / "traces.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert len(first_trace["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]) == 32

    shutil.copy(INCIDENTS / BUNDLE / "truth.yaml", out / "truth.yaml")
    config = EvalConfig(make_brain=brain_factory("offline", ModelSettings()))
    recorded, original = run_case(out, config), run_case(INCIDENTS / BUNDLE, config)
    assert recorded.error is None and original.error is None
    assert recorded.predicted_component == original.predicted_component
    assert recorded.predicted_category == original.predicted_category
