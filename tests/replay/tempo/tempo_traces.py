"""Hand-built recorded traces shared by the Tempo replay tests.

Three traces:
- CHECKOUT (error): frontend ``GET /checkout`` → checkout ``checkout.process`` → checkout
  ``SELECT orders``; split over two TracesData lines to exercise merging; enums as ints
  and as strings.
- CART (healthy, 60 s later): frontend ``GET /cart`` → cart ``cart.get``.
- ORPHAN (120 s later): a worker span whose parent was never recorded; ids given in base64.
"""

from __future__ import annotations

import base64
from typing import Any

T0 = 1_700_000_000_000_000_000  # ns; 1_700_000_000 s
MS = 1_000_000
S = 1_000_000_000

CHECKOUT = "0af7651916cd43dd8448eb211c80319c"
CART = "1f2e3d4c5b6a79881f2e3d4c5b6a7988"
ORPHAN = "00000000000000000000000000000abc"

ROOT_SPAN = "b7ad6b7169203331"
PROCESS_SPAN = "00f067aa0ba902b7"
DB_SPAN = "1111111111111111"
CART_ROOT = "2222222222222222"
CART_GET = "3333333333333333"
ORPHAN_SPAN = "4444444444444444"
ORPHAN_PARENT = "5555555555555555"


def _s(value: str) -> dict[str, Any]:
    return {"stringValue": value}


def _kv(key: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "value": value}


def _resource(service: str, **extra: str) -> dict[str, Any]:
    attrs = [_kv("service.name", _s(service))]
    attrs += [_kv(k.replace("_", "."), _s(v)) for k, v in extra.items()]
    return {"attributes": attrs}


def _span(trace_id: str, span_id: str, parent: str, name: str, start: int, end: int,
          **fields: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(end),
        **fields,
    }


def _b64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def build_traces_data() -> list[dict[str, Any]]:
    """The recorded ``traces.jsonl`` objects."""
    scope = {"name": "io.opentelemetry.http", "version": "1.0"}
    checkout_line_1 = {
        "resourceSpans": [
            {
                "resource": _resource("frontend", k8s_namespace_name="shop"),
                "scopeSpans": [{"scope": scope, "spans": [_span(
                    CHECKOUT, ROOT_SPAN, "", "GET /checkout", T0, T0 + 1200 * MS,
                    kind=2,
                    attributes=[_kv("http.response.status_code", {"intValue": "500"}),
                                _kv("http.method", _s("GET"))],
                    status={"code": 2, "message": "upstream failed"},
                )]}],
            }
        ]
    }  # fmt: skip
    checkout_line_2 = {
        "resourceSpans": [
            {
                "resource": _resource("checkout", k8s_namespace_name="shop"),
                "scopeSpans": [{"scope": scope, "spans": [
                    _span(CHECKOUT, PROCESS_SPAN, ROOT_SPAN, "checkout.process",
                          T0 + 100 * MS, T0 + 1100 * MS, kind="SPAN_KIND_SERVER",
                          attributes=[_kv("retry", {"boolValue": True}),
                                      _kv("tags", {"arrayValue": {"values": [_s("a"), _s("b")]}})],
                          status={"code": "STATUS_CODE_ERROR", "message": "payment timeout"},
                          events=[{"timeUnixNano": str(T0 + 1000 * MS), "name": "exception",
                                   "attributes": [_kv("exception.type", _s("Timeout"))]}]),
                    _span(CHECKOUT, DB_SPAN, PROCESS_SPAN, "SELECT orders",
                          T0 + 200 * MS, T0 + 250 * MS, kind=3,
                          attributes=[_kv("db.system", _s("postgresql"))]),
                ]}],
            }
        ]
    }  # fmt: skip
    cart = {
        "resourceSpans": [
            {
                "resource": _resource("frontend", k8s_namespace_name="shop"),
                "scopeSpans": [{"scope": scope, "spans": [_span(
                    CART, CART_ROOT, "", "GET /cart", T0 + 60 * S, T0 + 60 * S + 50 * MS,
                    kind=2, status={"code": 1},
                    attributes=[_kv("http.response.status_code", {"intValue": 200})],
                )]}],
            },
            {
                "resource": _resource("cart"),
                "scopeSpans": [{"scope": {}, "spans": [_span(
                    CART, CART_GET, CART_ROOT, "cart.get",
                    T0 + 60 * S + 10 * MS, T0 + 60 * S + 40 * MS, kind="SPAN_KIND_INTERNAL",
                    attributes=[_kv("cache.hit", {"boolValue": False}),
                                _kv("ratio", {"doubleValue": 0.25})],
                )]}],
            },
        ]
    }  # fmt: skip
    orphan = {
        "resourceSpans": [
            {
                "resource": _resource("worker"),
                "scopeSpans": [{"scope": {}, "spans": [_span(
                    _b64(ORPHAN), _b64(ORPHAN_SPAN), _b64(ORPHAN_PARENT), "consume",
                    T0 + 120 * S, T0 + 122 * S, kind=5,
                )]}],
            }
        ]
    }  # fmt: skip
    return [checkout_line_1, checkout_line_2, cart, orphan]
