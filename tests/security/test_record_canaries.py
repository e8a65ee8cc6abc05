"""``agent record`` writes no secret into a bundle: a canary check over every recorded file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml
from canary_bundle import leaked, plant
from incidents import bundle_dirs
from replay_run import record_replay

from agent.bundle.validate import validate_bundle
from agent.record.k8s import redact_command_line
from agent.replay.environment import ReplayEnvironment
from agent.safety.redact import Redactor

pytestmark = [pytest.mark.replay, pytest.mark.slow, pytest.mark.xdist_group("canaries")]

# Canaries the shared bundle does not plant: places only a recorder copies from.
EXTRA = {
    "arg_equals": "CanaryArgPass-1d2c",
    "arg_split": "CanaryArgToken-7e6f",
    "termination": "CanaryTermPass-4b3a",
    "runbook": "CanaryRunbookToken-9d8c",
    "template_annotation": "CanaryTemplateNote-2a1b",
    "metric_label": "CanaryMetricToken-3e4f",
}


def _plant_more(bundle: Path) -> None:
    payload = json.loads((bundle / "alert.json").read_text())
    for alert in payload["alerts"]:
        alert["annotations"]["runbook_url"] = f"https://runbooks.example/x?token={EXTRA['runbook']}"
    (bundle / "alert.json").write_text(json.dumps(payload, indent=2))
    docs = list(yaml.safe_load_all((bundle / "k8s.yaml").read_text()))
    for doc in docs:
        if doc.get("kind") in {"Deployment", "ReplicaSet", "Pod"}:
            spec = doc["spec"]["template"]["spec"] if doc["kind"] != "Pod" else doc["spec"]
            for container in spec["containers"]:
                container["args"] = [
                    "--port=8080",
                    f"--db-password={EXTRA['arg_equals']}",
                    "--api-token",
                    EXTRA["arg_split"],
                ]
            if doc["kind"] != "Pod":
                template = doc["spec"]["template"].setdefault("metadata", {})
                template.setdefault("annotations", {})["note"] = (
                    f"password={EXTRA['template_annotation']}"
                )
        if doc.get("kind") == "Pod":
            for status in doc.get("status", {}).get("containerStatuses") or []:
                status["lastState"] = {
                    "terminated": {
                        "reason": "Error",
                        "exitCode": 1,
                        "message": f"FATAL: auth failed for postgres://app:{EXTRA['termination']}@db/shop",
                    }
                }
    (bundle / "k8s.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    # A probe series whose url label carries a token, at the times the shop's series have.
    metrics = gzip.decompress((bundle / "metrics.om.gz").read_bytes()).decode()
    stamps = [line.rsplit(" ", 1)[1] for line in metrics.splitlines() if 'namespace="shop"' in line]
    url = f"https://status.example/health?token={EXTRA['metric_label']}"
    probe = [f'probe_canary{{namespace="shop",url="{url}"}} 1 {ts}' for ts in sorted(set(stamps))]
    metrics = metrics.replace(
        "# EOF\n", "\n".join(["# TYPE probe_canary gauge", *probe, "# EOF\n"])
    )
    (bundle / "metrics.om.gz").write_bytes(gzip.compress(metrics.encode()))


def _text(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", "replace")


def test_no_canary_in_any_file_of_a_recorded_bundle(tmp_path: Path) -> None:
    source = next(p for p in bundle_dirs() if p.name.startswith("checkout"))
    planted = plant(source, tmp_path / "planted")
    _plant_more(planted)
    out = tmp_path / "recorded"
    env = ReplayEnvironment(planted)
    with env:
        record_replay(env, out)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"alert.json", "k8s.yaml", "logs.jsonl", "traces.jsonl"}
    for path in files:
        text = _text(path)
        found = leaked(text) + [name for name, value in EXTRA.items() if value in text]
        assert found == [], f"{path.name} leaks {found}"
    assert validate_bundle(out) == []
    # The recorded telemetry still carries what an investigation needs.
    k8s = _text(out / "k8s.yaml")
    assert "--port=8080" in k8s and "--db-password=‹SECRET:" in k8s and "FATAL: auth failed" in k8s
    assert 'probe_canary{namespace="shop",url="https://status.example/health?token=‹SECRET:' in (
        _text(out / "metrics.om.gz")
    )


def test_secret_flags_are_hidden_in_both_spellings() -> None:
    redactor = Redactor(b"k" * 32)
    words = redact_command_line(
        ["serve", "--db-password=hunter2", "--token", "abc", "--log-level", "debug", "-v"], redactor
    )
    assert (
        words[0] == "serve"
        and words[2] == "--token"
        and words[4:] == ["--log-level", "debug", "-v"]
    )
    assert words[1].startswith("--db-password=‹SECRET:") and words[3].startswith("‹SECRET:")
    assert "hunter2" not in str(words) and "abc" not in str(words)
