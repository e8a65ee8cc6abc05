from __future__ import annotations

from typing import Any

import pytest
from tempo_traces import (
    CART,
    CHECKOUT,
    DB_SPAN,
    MS,
    ORPHAN,
    ORPHAN_PARENT,
    PROCESS_SPAN,
    ROOT_SPAN,
    T0,
    S,
)

from agent.errors import BundleError
from agent.replay.tempo.model import TraceStore, index_traces
from agent.replay.tempo.search import SearchRequest, legacy_tags_query, search
from agent.replay.tempo.traceql import matching_spans, parse


def _matches(store: TraceStore, query: str) -> dict[str, list[str]]:
    expr = parse(query)
    found = {}
    for trace in store:
        spans = matching_spans(expr, trace.spans)
        if spans:
            found[trace.trace_id] = [s.name for s in spans]
    return found


ALL = {
    CHECKOUT: ["GET /checkout", "checkout.process", "SELECT orders"],
    CART: ["GET /cart", "cart.get"],
    ORPHAN: ["consume"],
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{}", ALL),
        ("{ status = error }", {CHECKOUT: ["GET /checkout", "checkout.process"]}),
        ("{ status = ok }", {CART: ["GET /cart"]}),
        ("{ status != error }", {CHECKOUT: ["SELECT orders"], CART: ["GET /cart", "cart.get"],
                                 ORPHAN: ["consume"]}),
        ('{ resource.service.name = "checkout" && status = error }',
         {CHECKOUT: ["checkout.process"]}),
        ('{ resource.service.name = "cart" || kind = consumer }',
         {CART: ["cart.get"], ORPHAN: ["consume"]}),
        ("{ kind = server }", {CHECKOUT: ["GET /checkout", "checkout.process"], CART: ["GET /cart"]}),
        ("{ kind = client }", {CHECKOUT: ["SELECT orders"]}),
        ("{ kind = internal }", {CART: ["cart.get"]}),
        ("{ duration > 1s }", {CHECKOUT: ["GET /checkout"], ORPHAN: ["consume"]}),
        ("{ duration >= 1s && duration < 1.2s }", {CHECKOUT: ["checkout.process"]}),
        ("{ duration <= 30ms }", {CART: ["cart.get"]}),
        ("{ span.http.response.status_code >= 500 }", {CHECKOUT: ["GET /checkout"]}),
        ("{ span.http.response.status_code < 500.5 }",
         {CHECKOUT: ["GET /checkout"], CART: ["GET /cart"]}),
        # a string never equals an int
        ('{ span.http.response.status_code = "500" }', {}),
        # resource.* does not see span attributes, span.* does not see resource ones
        ("{ resource.http.response.status_code = 500 }", {}),
        ('{ span.service.name = "cart" }', {}),
        ('{ .service.name = "cart" }', {CART: ["cart.get"]}),
        ('{ .k8s.namespace.name = "shop" && .db.system = "postgresql" }',
         {CHECKOUT: ["SELECT orders"]}),
        # a missing attribute matches neither = nor !=
        ('{ span.db.system != "mysql" }', {CHECKOUT: ["SELECT orders"]}),
        ("{ span.retry = true }", {CHECKOUT: ["checkout.process"]}),
        ("{ .cache.hit = false }", {CART: ["cart.get"]}),
        ("{ .ratio > 0.2 && .ratio < 1 }", {CART: ["cart.get"]}),
        ('{ .tags = "b" }', {CHECKOUT: ["checkout.process"]}),
        ('{ name =~ "GET /.*" }', {CHECKOUT: ["GET /checkout"], CART: ["GET /cart"]}),
        # regexes are fully anchored
        ('{ name =~ "GET" }', {}),
        ('{ name !~ ".*\\\\..*" && resource.service.name != "worker" }',
         {CHECKOUT: ["GET /checkout", "SELECT orders"], CART: ["GET /cart"]}),
        ('{ statusMessage = "payment timeout" }', {CHECKOUT: ["checkout.process"]}),
        ('{ name > "cart.a" && name < "cart.z" }', {CART: ["cart.get"]}),
        # spanset && needs both sides in the same trace and returns the union
        ('{ resource.service.name = "frontend" } && { status = error }',
         {CHECKOUT: ["GET /checkout", "checkout.process"]}),
        ('{ resource.service.name = "cart" } && { status = error }', {}),
        ('{ resource.service.name = "cart" } || { kind = client }',
         {CHECKOUT: ["SELECT orders"], CART: ["cart.get"]}),
        ('({ .db.system = "postgresql" } || { .cache.hit = false }) && { kind = server }',
         {CHECKOUT: ["GET /checkout", "checkout.process", "SELECT orders"],
          CART: ["GET /cart", "cart.get"]}),
    ],
)  # fmt: skip
def test_matching_spans(store: TraceStore, query: str, expected: dict[str, list[str]]) -> None:
    assert _matches(store, query) == expected


def test_index_normalises_spans(store: TraceStore) -> None:
    checkout = store.get(CHECKOUT)
    assert checkout is not None
    # two TracesData lines merged into one trace, in recorded order
    assert [s.span_id for s in checkout.spans] == [ROOT_SPAN, PROCESS_SPAN, DB_SPAN]
    root, process, db = checkout.spans
    assert root.parent_id is None and process.parent_id == ROOT_SPAN
    assert db.parent_id == PROCESS_SPAN
    assert (process.service, process.kind, process.status) == ("checkout", "server", "error")
    assert process.attributes == {"retry": True, "tags": ["a", "b"]}
    assert process.resource == {"service.name": "checkout", "k8s.namespace.name": "shop"}
    assert process.events[0]["name"] == "exception"
    assert root.attributes["http.response.status_code"] == 500
    assert checkout.root is root
    assert (checkout.start_ns, checkout.end_ns) == (T0, T0 + 1200 * MS)


def test_index_accepts_base64_ids(store: TraceStore) -> None:
    orphan = store.get(ORPHAN)
    assert orphan is not None
    assert orphan.spans[0].parent_id == ORPHAN_PARENT
    assert orphan.root is None  # the parent was never recorded


def test_index_reports_each_malformed_line(traces_data: list[dict[str, Any]]) -> None:
    bad_id = {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "xyz", "spanId": "1111111111111111", "name": "n",
         "startTimeUnixNano": "1", "endTimeUnixNano": "2"}]}]}]}  # fmt: skip
    bad_kind = {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": CART, "spanId": "1111111111111111", "name": "n", "kind": "SPAN_KIND_NOPE",
         "startTimeUnixNano": "1", "endTimeUnixNano": "2"}]}]}]}  # fmt: skip
    with pytest.raises(BundleError) as caught:
        index_traces([traces_data[0], bad_id, {"nope": []}, bad_kind])
    lines = [(p.path, p.line) for p in caught.value.problems]
    assert lines == [("traces.jsonl", 2), ("traces.jsonl", 3), ("traces.jsonl", 4)]
    message = str(caught.value)
    assert "traceId 'xyz' is neither hex nor base64" in message
    assert "'resourceSpans' list" in message
    assert "kind 'SPAN_KIND_NOPE' is not one of" in message


def test_search_orders_most_recent_first_and_limits(store: TraceStore) -> None:
    result = search(store, SearchRequest(parse("{}")))
    assert [t["traceID"] for t in result["traces"]] == [ORPHAN, CART, CHECKOUT]
    limited = search(store, SearchRequest(parse("{}"), limit=2))
    assert [t["traceID"] for t in limited["traces"]] == [ORPHAN, CART]
    assert limited["metrics"]["inspectedTraces"] == 2


def test_search_window_and_durations(store: TraceStore) -> None:
    def ids(**kwargs: Any) -> list[str]:
        return [t["traceID"] for t in search(store, SearchRequest(parse("{}"), **kwargs))["traces"]]

    # the checkout trace ends at T0 + 1.2 s: a window starting at T0 + 1 s still overlaps it
    assert ids(start_ns=T0 + 1 * S, end_ns=T0 + 60 * S) == [CART, CHECKOUT]
    assert ids(start_ns=T0 + 2 * S, end_ns=T0 + 59 * S) == []
    assert ids(end_ns=T0) == [CHECKOUT]
    assert ids(min_duration_ns=1 * S) == [ORPHAN, CHECKOUT]
    assert ids(max_duration_ns=100 * MS) == [CART]


def test_search_result_shape(store: TraceStore) -> None:
    query = parse('{ status = error && resource.service.name =~ ".*" }')
    result = search(store, SearchRequest(query, spans_per_spanset=1))
    (trace,) = result["traces"]
    spanset = {
        "spans": [{
            "spanID": ROOT_SPAN,
            "name": "GET /checkout",
            "startTimeUnixNano": str(T0),
            "durationNanos": str(1200 * MS),
            "attributes": [
                {"key": "status", "value": {"stringValue": "error"}},
                {"key": "service.name", "value": {"stringValue": "frontend"}},
            ],
        }],
        "matched": 2,
    }  # fmt: skip
    assert trace == {
        "traceID": CHECKOUT,
        "rootServiceName": "frontend",
        "rootTraceName": "GET /checkout",
        "startTimeUnixNano": str(T0),
        "durationMs": 1200,
        "spanSets": [spanset],
        "spanSet": spanset,
    }


def test_search_reports_missing_root(store: TraceStore) -> None:
    (trace,) = search(store, SearchRequest(parse("{ kind = consumer }")))["traces"]
    assert trace["rootServiceName"] == "<root span not yet received>"
    assert trace["durationMs"] == 2000


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("service.name=cart", [CART]),
        ("http.response.status_code=500", [CHECKOUT]),
        ('name="GET /cart"', [CART]),
        ("k8s.namespace.name=shop db.system=postgresql", [CHECKOUT]),
        ("cache.hit=false", [CART]),
        ("service.name=nope", []),
    ],
)
def test_legacy_tag_search(store: TraceStore, tags: str, expected: list[str]) -> None:
    result = search(store, SearchRequest(legacy_tags_query(tags)))
    assert [t["traceID"] for t in result["traces"]] == expected
