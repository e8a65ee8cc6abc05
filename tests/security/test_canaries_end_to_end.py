"""Canary secrets planted in every kind of telemetry never reach the model, the audit or the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from anthropic_fakes import FakeMessagesAPI, message, ok, tool_use
from canary_bundle import leaked, plant
from incidents import INCIDENTS, bundle_dirs
from replay_run import investigate_replay

from agent.audit import AuditLog
from agent.brains.claude import ClaudeBrain
from agent.config.settings import ModelSettings
from agent.replay.environment import ReplayEnvironment

pytestmark = [pytest.mark.replay, pytest.mark.xdist_group("canaries")]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayEnvironment]:
    source = next(p for p in bundle_dirs() if p.name.startswith("checkout"))
    env = ReplayEnvironment(plant(source, tmp_path_factory.mktemp("canary") / source.name))
    env.start()
    yield env
    env.close()


def scripted_turns(namespace: str, service: str, trace_query: str) -> list[dict[str, object]]:
    calls = [
        ("alert_context", {}),
        (
            "query_logs",
            {
                "query": f'{{namespace="{namespace}"}} |~ "db connect|Authorization|access_key|api_key|loaded key|SYSTEM"',
                "raw_lines": 20,
            },
        ),
        ("pod_status", {"namespace": namespace, "workload": service}),
        ("deployment_history", {"namespace": namespace, "name": service}),
        ("deployment_history", {"namespace": namespace, "lookback": "6h"}),
        ("k8s_events", {"namespace": namespace}),
        ("trace_lookup", {"service": trace_query, "errors_only": True}),
        ("service_graph", {}),
    ]
    return [message([tool_use(f"toolu_{i}", name, args) for i, (name, args) in enumerate(calls)])]


def test_no_canary_reaches_model_audit_or_report(
    planted: ReplayEnvironment, tmp_path: Path
) -> None:
    labels = next(
        a["labels"]
        for a in planted.bundle.alert_payload["alerts"]
        if a["fingerprint"] == planted.bundle.incident.alert_fingerprint
    )
    namespace, service = labels["namespace"], labels["service"]
    first = scripted_turns(namespace, service, "payments")[0]
    submit = message([tool_use("toolu_s", "submit_report", {"summary": "done", "confidence": 0.2})])
    api = FakeMessagesAPI([ok(first), ok(submit)])
    brain = ClaudeBrain(api.client(), ModelSettings(), deadline=lambda: 1e12)
    audit = tmp_path / "audit.jsonl"
    report, state = investigate_replay(planted, brain, audit_path=audit)

    # Every tool really ran and saw planted data (so the test cannot pass vacuously).
    statuses = {c.name: c.status for c in state.turns[0].calls}
    assert all(s in {"ok", "truncated", "no_data"} for s in statuses.values()), statuses
    outputs = "\n".join(c.output for c in state.turns[0].calls)
    assert "‹SECRET:" in outputs

    model_requests = json.dumps(api.requests, ensure_ascii=False)
    assert leaked(model_requests) == [], "canary sent to the model"
    assert leaked(audit.read_text()) == [], "canary written to the audit log"
    assert leaked(report.model_dump_json()) == [], "canary in the report"
    assert (
        leaked(json.dumps([c.model_dump() for t in state.turns for c in t.calls], default=str))
        == []
    )
    # Instruction-like telemetry reaches the model only as flagged, delimited data.
    logs_call = next(c for c in state.turns[0].calls if c.name == "query_logs")
    assert "ignore all previous instructions" in logs_call.output, logs_call.output
    assert "<untrusted-data" in logs_call.output
    audited = {r.tool: r.flags for r in AuditLog(audit).records()}
    assert audited["query_logs"], "the injection attempt is flagged in the audit log"
    assert not [c for t in state.turns for c in t.calls if c.name.startswith("rollback")]
    # The planted log lines were found and redacted, not dropped silently.
    assert "db connect failed" in model_requests
    assert "postgres://app:‹SECRET:" in model_requests


def test_the_planted_bundle_really_holds_the_canaries(planted: ReplayEnvironment) -> None:
    raw = "".join(
        (planted.bundle.path / name).read_text()
        for name in ("logs.jsonl", "k8s.yaml", "traces.jsonl", "alert.json")
    )
    assert sorted(set(leaked(raw))) == sorted(
        {
            "aws",
            "dsn_password",
            "anthropic",
            "github",
            "slack",
            "env_value",
            "configmap_value",
            "jwt",
            "email",
            "card",
            "span_token",
            "annotation",
            "pem",
            "card-digits",
        }
    )
    assert INCIDENTS in planted.bundle.path.parents or planted.bundle.path.exists()
