"""Trace tools answer only for spans in the investigation's namespaces (k8s.namespace.name)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from agent.alerts.model import Alert
from agent.replay.http import LoopbackServers
from agent.replay.tempo import create_app
from tools.base import Scope, ToolContext
from tools.clients import Backends, TempoReader
from tools.trace_scope import in_scope, namespace_term
from tools.traces import GraphInput, TraceInput, service_graph, trace_lookup

T0 = 1_700_000_000_000_000_000
MS = 1_000_000
NOW = datetime.fromtimestamp(T0 / 1e9 + 600, tz=UTC)
SHOP = "0af7651916cd43dd8448eb211c80319c"  # frontend (shop) → checkout (shop) → ledger (billing)
BILLING = "1f2e3d4c5b6a79881f2e3d4c5b6a7988"  # only some-other-teams-service (billing)


def _batch(service: str, namespace: str | None, *spans: dict[str, Any]) -> dict[str, Any]:
    attrs = [{"key": "service.name", "value": {"stringValue": service}}]
    if namespace is not None:
        attrs.append({"key": "k8s.namespace.name", "value": {"stringValue": namespace}})
    return {"resource": {"attributes": attrs}, "scopeSpans": [{"scope": {}, "spans": list(spans)}]}


def _span(trace: str, sid: str, parent: str, name: str, start: int, kind: int, **kw: Any) -> Any:
    return {"traceId": trace, "spanId": sid, "parentSpanId": parent, "name": name, "kind": kind,
            "startTimeUnixNano": str(T0 + start * MS), "endTimeUnixNano": str(T0 + (start + 50) * MS),
            **kw}  # fmt: skip


ERROR = {"code": 2, "message": "ledger said: account 4711 frozen"}
TRACES = [
    {
        "resourceSpans": [
            _batch("frontend", "shop", _span(SHOP, "a" * 16, "", "GET /buy", 0, 2)),
            _batch(
                "checkout",
                "shop",
                _span(SHOP, "b" * 16, "a" * 16, "checkout", 5, 2),
                _span(SHOP, "c" * 16, "b" * 16, "POST ledger", 6, 3, status=ERROR),
            ),
            _batch(
                "ledger", "billing", _span(SHOP, "d" * 16, "c" * 16, "book", 7, 2, status=ERROR)
            ),
            _batch("sidecar", None, _span(SHOP, "e" * 16, "b" * 16, "cache", 8, 3)),
        ]
    },
    {
        "resourceSpans": [
            _batch(
                "some-other-teams-service",
                "billing",
                _span(BILLING, "f" * 16, "", "GET /internal", 100, 2, status=ERROR),
            )
        ]
    },
]


@pytest.fixture(scope="module")
def ctx() -> Iterator[ToolContext]:
    with LoopbackServers({"tempo": create_app(TRACES)}) as servers:
        tempo = TempoReader(servers.urls["tempo"], timeout=5)
        alert = Alert(fingerprint="0" * 16, labels={"namespace": "shop"}, starts_at=NOW)
        yield ToolContext(
            backends=Backends(tempo=tempo), now=NOW, alert=alert, scope=Scope(frozenset({"shop"}))
        )
        tempo.close()


def test_search_for_another_teams_service_finds_nothing(ctx: ToolContext) -> None:
    result = trace_lookup(TraceInput(service="some-other-teams-service", lookback="1h"), ctx)
    assert result.status == "no_data"
    assert 'resource.k8s.namespace.name="shop"' in result.request
    assert "some-other-teams-service" not in str(result.data["traces"])


def test_search_returns_traces_with_in_scope_spans(ctx: ToolContext) -> None:
    result = trace_lookup(TraceInput(errors_only=True, lookback="1h"), ctx)
    assert [t["trace_id"] for t in result.data["traces"]] == [SHOP]


def test_trace_by_id_of_another_namespace_is_withheld(ctx: ToolContext) -> None:
    result = trace_lookup(TraceInput(trace_id=BILLING), ctx)
    assert result.status == "no_data"
    assert "no spans in the investigation's namespaces" in result.summary
    dumped = result.model_dump_json()
    assert "some-other-teams-service" not in dumped and "/internal" not in dumped


def test_trace_by_id_keeps_only_in_scope_spans_and_says_what_was_withheld(
    ctx: ToolContext,
) -> None:
    result = trace_lookup(TraceInput(trace_id=SHOP), ctx)
    assert result.status == "ok"
    assert sorted(result.data["services"]) == ["checkout", "frontend"]
    assert "account 4711" in result.summary  # the in-scope client span's own error
    assert "ledger" not in result.data["services"] and "sidecar" not in result.summary
    (note,) = result.hints
    assert "2 spans outside the investigation's namespaces (shop) were withheld" in note
    assert "1 of them carry no k8s.namespace.name" in note


def test_service_graph_uses_in_scope_spans_only(ctx: ToolContext) -> None:
    result = service_graph(GraphInput(), ctx)
    services = {e["caller"] for e in result.data["edges"]} | {
        e["callee"] for e in result.data["edges"]
    }
    assert "some-other-teams-service" not in services and "sidecar" not in services
    assert 'resource.k8s.namespace.name="shop"' in result.request
    assert any("withheld" in h for h in result.hints)


def test_no_namespace_in_scope_reads_no_trace(ctx: ToolContext) -> None:
    empty = ToolContext(backends=ctx.backends, now=NOW, alert=ctx.alert, scope=Scope(frozenset()))
    assert trace_lookup(TraceInput(trace_id=SHOP), empty).status == "denied"
    assert service_graph(GraphInput(), empty).status == "denied"


def test_namespace_term_names_every_scope_namespace_quoted() -> None:
    term = namespace_term(frozenset({"shop", 'we"ird'}))
    assert term == '(resource.k8s.namespace.name="shop" || resource.k8s.namespace.name="we\\"ird")'


def test_in_scope_keeps_the_body_shape() -> None:
    scoped = in_scope({"batches": TRACES[0]["resourceSpans"]}, frozenset({"shop"}))
    assert list(scoped.body) == ["batches"] and len(scoped.body["batches"]) == 2
    assert (scoped.withheld_spans, scoped.unlabelled_spans) == (2, 1)
