"""Grafana Explore links: the tool's own query on the configured data source, encoded."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import server_payloads as p
from pydantic import ValidationError
from server_harness import CountingRunner, admit, finish, running, settings

from agent.alerts.model import alert_from_alertmanager
from agent.config.server import ConsoleSettings
from agent.investigation.state import CallRecord, InvestigationState, Turn
from agent.report.model import AlertRef, Evidence, Hypothesis, Report
from agent.server.console.explore import Explore

START = datetime(2025, 11, 18, 14, 15, tzinfo=UTC)
QUERY = 'sum(rate(http_requests_total{code=~"5.."}[5m])) & "x"'


def _pane(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    assert parts.path == "/explore"
    (panes,) = parse_qs(parts.query)["panes"]
    (pane,) = json.loads(panes).values()
    return pane  # type: ignore[no-any-return]


def test_a_metric_query_opens_on_its_data_source_over_the_tools_span() -> None:
    explore = Explore.of(ConsoleSettings(grafana_url="https://grafana.example/",
                                         grafana_datasources={"prometheus": "prom-uid"}))  # fmt: skip
    record = CallRecord(id="c", name="query_metrics", arguments={"query": QUERY},
                        data={"window": {"start": "2025-11-18T14:00:00Z", "end": "2025-11-18T14:30:00Z"}})  # fmt: skip
    url = explore.link(record, START)
    assert url is not None and url.startswith("https://grafana.example/explore?")
    pane = _pane(url)
    assert pane["datasource"] == "prom-uid"
    assert pane["queries"] == [
        {"refId": "A", "datasource": {"type": "prometheus", "uid": "prom-uid"}, "expr": QUERY}
    ]  # type: ignore[comparison-overlap]
    # The baseline the tool compared against comes first, then its window.
    assert pane["range"] == {"from": "1763472600000", "to": "1763476200000"}


def test_no_link_without_grafana_a_data_source_or_a_rerunnable_query() -> None:
    record = CallRecord(id="c", name="query_logs", arguments={"query": '{app="x"}'})
    assert Explore().link(record, START) is None
    only_prom = Explore("https://g", {"prometheus": "p"})
    assert only_prom.link(record, START) is None
    assert only_prom.link(CallRecord(id="c", name="pod_status", arguments={}), START) is None
    loki = Explore("https://g", {"loki": "l"}).link(record, START)
    assert loki is not None and _pane(loki)["range"] == {
        "from": "1763471700000",
        "to": "1763478900000",
    }


def test_grafana_url_must_be_http() -> None:
    with pytest.raises(ValidationError, match="http"):
        ConsoleSettings(grafana_url="javascript:alert(1)")


def test_the_investigation_page_links_evidence_to_explore(tmp_path: Path) -> None:
    console = {"grafana_url": "https://grafana.example", "grafana_datasources": {"loki": "l"}}
    with running(settings(tmp_path, console=console), CountingRunner(), start_workers=False) as (client, server):  # fmt: skip
        alert = alert_from_alertmanager(p.am_alert())
        inv = admit(server.store, alert)
        record = CallRecord(id="c1", name="query_logs", arguments={"query": '{app="x"} |= "<b>"'})
        state = InvestigationState(id=inv, alert=alert, brain="s", started_at=START,
                                   turns=[Turn(index=0, calls=[record])])  # fmt: skip
        evidence = Evidence(tool_call_id="c1", tool="query_logs", query="LogQL x", quote="q",
                            verified=True)  # fmt: skip
        hypothesis = Hypothesis(id="H1", component="x", category="code", statement="s",
                                status="open", confidence=0.3, evidence=[evidence])  # fmt: skip
        report = Report(investigation_id=inv, alert=AlertRef(fingerprint="f", name="A"),
                        status="complete", brain="s", hypotheses=[hypothesis],
                        started_at=START, finished_at=START)  # fmt: skip
        finish(server.store, inv, report, state=state)
        page = client.get(f"/ui/investigations/{inv}").text
        link = re.search(r'<a href="([^"]+)"[^>]*>open in Grafana Explore', page)
        assert link is not None and link[1].startswith("https://grafana.example/explore?")
        assert "&lt;b&gt;" not in link[1] and "<b>" not in link[1]  # the query is URL-encoded
