"""``agent investigate`` with traces exported over OTLP to a loopback collector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from incidents import INCIDENTS
from telemetry_fakes import Collector

from agent.cli.main import main
from agent.replay.http import LoopbackServers

BUNDLE = INCIDENTS / "checkout-5xx-0412"


@pytest.fixture(autouse=True)
def _no_live_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ANTHROPIC_API_KEY", "AGENT_ALERTMANAGER_URL", "AGENT_CONFIG", "KUBECONFIG"):
        monkeypatch.delenv(var, raising=False)
    for var in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AGENT_STATE_DIR", str(tmp_path / "state"))
    # AuditLog does not create its directory (reported to the lead).
    (tmp_path / "state" / "audit").mkdir(parents=True)


@pytest.mark.replay
@pytest.mark.slow
@pytest.mark.xdist_group("checkout-5xx-0412")
def test_investigate_exports_one_trace_of_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fingerprint = (BUNDLE / "incident.yaml").read_text().split("alert_fingerprint:")[1].split()[0]
    collector = Collector()
    with LoopbackServers({"otlp": collector.app}) as servers:
        config = tmp_path / "agent.yaml"
        config.write_text(
            f"telemetry:\n  exporter: otlp\n  otlp_endpoint: {servers.urls['otlp']}/v1/traces\n",
            encoding="utf-8",
        )
        code = main(
            [
                *("investigate", fingerprint, "--replay", str(BUNDLE), "--brain", "offline"),
                *("--format", "json", "--config", str(config)),
            ]
        )
    report = json.loads(capsys.readouterr().out)  # stdout holds the report alone
    assert code == 0
    spans = [
        span
        for _, body in collector.requests
        for resource in body.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert len({s.trace_id for s in spans}) == 1
    (agent,) = [s for s in spans if s.name == "invoke_agent incident-investigator"]
    agent_attrs = {a.key: a.value for a in agent.attributes}
    assert agent_attrs["gen_ai.conversation.id"].string_value == report["investigation_id"]
    assert agent_attrs["incident.alert.fingerprint"].string_value == fingerprint
    chats = [s for s in spans if s.name == "chat offline"]
    tools = [s for s in spans if s.name.startswith("execute_tool ")]
    assert len(chats) == report["usage"]["steps"]
    assert len(tools) == report["usage"]["tool_calls"] > 0
    assert {s.parent_span_id for s in chats + tools} == {agent.span_id}
    decisions = {
        a.value.string_value
        for s in tools
        for a in s.attributes
        if a.key == "agent.policy.decision"
    }
    assert "allow" in decisions
