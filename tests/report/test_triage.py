"""The triage fields, derived from the alert, the evidence and the catalogue (synthetic cases)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.alerts.model import Alert
from agent.bundle.model import Catalog
from agent.config.settings import TriageSettings
from agent.report.model import Report
from agent.report.render import render_markdown
from agent.report.triage import triage

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
EXPR = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'


@dataclass
class Call:
    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"


def alert(**labels: str) -> Alert:
    return Alert(fingerprint="f" * 16, labels={"alertname": "Errors", "service": "cart",
                                               "namespace": "shop", **labels}, starts_at=NOW)  # fmt: skip


def report(category: str = "deployment", component: str = "cart", confidence: float = 0.8,
           **extra: Any) -> Report:  # fmt: skip
    return Report.model_validate({
        "investigation_id": "inv-t", "alert": {"fingerprint": "f" * 16, "name": "Errors"},
        "status": "complete", "brain": "test",
        "root_cause": {"component": component, "category": category, "summary": "s",
                       "confidence": confidence},
        "hypotheses": [{"id": "H1", "component": component, "category": category,
                        "statement": "s", "status": "supported", "confidence": confidence,
                        "evidence": [{"tool_call_id": "c2", "tool": "query_logs", "query": "LogQL …",
                                      "quote": "panic: nil map", "verified": True}]}],
        "status_page": {"title": "Degraded", "body": "Some requests fail."},
        "started_at": NOW, "finished_at": NOW, **extra,
    })  # fmt: skip


def ratio(peak: float) -> Call:
    return Call("c1", "alert_context", data={"expression": EXPR, "series": [{"max": peak}]})


LOGS = Call("c2", "query_logs", {"query": '{app="cart"} |= "panic"'})


def run(r: Report, a: Alert, calls: list[Call], catalog: Catalog | None = None,
        settings: TriageSettings | None = None, **final: Any) -> Report:  # fmt: skip
    return triage(r, a, calls, catalog or Catalog(), settings or TriageSettings(), final)


@pytest.mark.parametrize(
    ("labels", "peak", "level"),
    [
        ({"severity": "critical"}, 0.05, "SEV-2"),
        ({"severity": "critical"}, 0.8, "SEV-1"),  # most requests failing
        ({"severity": "warning"}, 0.05, "SEV-3"),
        ({"severity": "info"}, None, "SEV-4"),
        ({"severity": "P1"}, None, "SEV-1"),
        ({"priority": "sev4"}, None, "SEV-4"),
        ({}, None, "SEV-3"),
    ],
)
def test_severity_from_label_and_traffic_share(
    labels: dict[str, str], peak: float | None, level: str
) -> None:
    calls = [ratio(peak)] if peak is not None else []
    out = run(report(), alert(**labels), calls)
    assert out.severity is not None and out.severity.level == level
    if peak is not None:
        assert f"{peak:.0%} of requests failing" in out.severity.reason


def test_without_a_label_the_slo_burn_decides() -> None:
    catalog = Catalog.model_validate({"services": [{"name": "cart", "slo": "99.9% of requests"}]})
    burning = run(report(), alert(), [ratio(0.02)], catalog)  # 20× the 0.1 % budget
    assert burning.severity is not None and burning.severity.level == "SEV-2"
    assert "error budget burnt 20× over" in burning.severity.reason
    within = run(report(), alert(), [ratio(0.0005)], catalog)
    assert within.severity is not None and within.severity.level == "SEV-3"


def test_a_non_ratio_expression_is_not_read_as_a_share() -> None:
    counter = Call("c1", "alert_context", data={"expression": "up == 0", "series": [{"max": 1}]})
    out = run(report(), alert(severity="warning"), [counter])
    assert out.severity is not None and out.severity.level == "SEV-3"
    assert "requests failing" not in out.severity.reason


def test_ownership_platform_catalogue_labels_or_unowned() -> None:
    catalog = Catalog.model_validate({"services": [{"name": "cart", "owner": "team-cart"}]})
    node = run(report("infrastructure", "node-pool-a"), alert(), [], catalog)
    assert node.ownership is not None and (node.ownership.team, node.ownership.kind) == (
        "platform", "platform")  # fmt: skip
    owned = run(report(), alert(), [], catalog)
    assert owned.ownership is not None and owned.ownership.team == "team-cart"
    labelled = Call("c3", "deployment_history",
                    data={"deployment": "cart", "owner": {"part_of": "shop", "team": "payments"}})  # fmt: skip
    derived = run(report(), alert(), [labelled])
    assert derived.ownership is not None and derived.ownership.team == "payments"
    assert "Kubernetes team of cart" in derived.ownership.reason
    unowned = run(report(), alert(), [], settings=TriageSettings(platform_team="sre"))
    assert unowned.ownership is not None and unowned.ownership.team == "sre"


def test_next_steps_are_read_only_and_linked_to_explore() -> None:
    settings = TriageSettings(grafana_url="https://grafana.example", loki_datasource_uid="loki1")
    drafted = [
        {"action": "see pods", "kind": "kubectl", "command": "kubectl -n shop get pods -l app=cart",
         "expected": "CrashLoopBackOff"},
        {"action": "fix it", "kind": "kubectl", "command": "kubectl -n shop delete pod cart-1",
         "expected": "gone"},
        {"action": "sneaky", "kind": "kubectl", "command": "kubectl get pods; kubectl delete ns shop",
         "expected": "x"},
    ]  # fmt: skip
    history = Call("c3", "deployment_history", {"namespace": "shop", "name": "cart"},
                   {"deployment": "cart"})  # fmt: skip
    out = run(report(), alert(), [LOGS, history], settings=settings, next_steps=drafted)
    commands = [s.command for s in out.next_steps]
    assert commands[0] == "kubectl -n shop get pods -l app=cart"
    assert not any("delete" in c for c in commands)
    assert "kubectl -n shop rollout history deployment/cart" in commands
    assert sum("dropped, not a read-only command" in d for d in out.data_needed) == 2
    logs = next(s for s in out.next_steps if s.kind == "logql")
    assert logs.command == '{app="cart"} |= "panic"' and "panic: nil map" in logs.expected
    assert logs.link is not None
    url = urlsplit(logs.link)
    panes = json.loads(parse_qs(url.query)["panes"][0])
    assert url.path == "/explore" and panes["a"]["datasource"] == "loki1"
    assert panes["a"]["queries"][0]["expr"] == logs.command


def test_data_needed_and_status_page_status() -> None:
    weak = run(report(confidence=0.3, data_gaps=["Tempo unreachable"]), alert(), [LOGS])
    needed = " | ".join(weak.data_needed)
    assert "Tempo unreachable" in needed and "second, independent signal" in needed
    assert "traces: no successful query" in needed and "logs:" not in needed
    assert weak.status_page is not None and weak.status_page.status == "investigating"
    strong = run(report(), alert(), [LOGS])
    assert strong.status_page is not None and strong.status_page.status == "identified"
    resolved = alert().model_copy(update={"status": "resolved"})
    assert run(report(), resolved, []).status_page.status == "resolved"  # type: ignore[union-attr]


def test_status_page_component_comes_from_the_catalogue() -> None:
    catalog = Catalog.model_validate(
        {"services": [{"name": "cart", "status_page_component": "Shopping cart"}]}
    )
    out = run(report(), alert(), [], catalog)
    assert out.status_page is not None and out.status_page.component == "Shopping cart"


def test_affected_services_and_rendering() -> None:
    r = report(hypotheses=[])
    out = run(r.model_copy(update={"hypotheses": report().hypotheses}), alert(service="frontend"),
              [LOGS], severity={"level": "SEV-1", "reason": "checkout down for everyone"})  # fmt: skip
    assert out.affected_services == ["cart", "frontend"]
    assert out.severity is not None and out.severity.level == "SEV-1"
    text = render_markdown(out)
    for heading in ("Triage", "Next steps", "Data that would raise confidence"):
        assert heading in text
    assert "never published automatically" in text


def test_steps_follow_what_the_component_is() -> None:
    catalog = Catalog.model_validate({"services": [{"name": "orders-db", "namespace": "data"}]})
    database = run(report("resource", "orders-db"), alert(), [], catalog)
    commands = [s.command for s in database.next_steps]
    assert "kubectl -n data describe all -l app=orders-db" in commands
    assert not any("rollout history" in c for c in commands)  # not seen as a Deployment
    node = run(report("infrastructure", "node-pool-a"), alert(), [])
    assert [s.command for s in node.next_steps][:2] == [
        "kubectl get nodes -o wide", "kubectl get events -A --field-selector type=Warning"]  # fmt: skip
