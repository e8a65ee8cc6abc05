"""Sampled traces as OTLP/JSON ``TracesData``.

One span tree per sampled frontend request; its timing, errors and peers follow the state table
at the moment of the request.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from evals.simulator.lifecycle import Cluster
from evals.simulator.state import States
from evals.simulator.world import Service

TRACES_PER_HOUR = 360
_DB = {"redis": "redis", "postgres": "postgresql"}


def _attr(key: str, value: str | int) -> dict[str, Any]:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


@dataclass(frozen=True, slots=True)
class _Call:
    """A CLIENT span waiting for its parent SERVER span's id."""

    span_id: str
    name: str
    start: float
    end: float
    attrs: list[dict[str, Any]]
    error: str | None


@dataclass(slots=True)
class _Trace:
    trace_id: str
    rng: random.Random
    spans: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"

    def add(
        self,
        service: str,
        pod: str,
        span_id: str,
        parent: str,
        name: str,
        kind: str,
        start: float,
        end: float,
        attrs: list[dict[str, Any]],
        error: str | None,
    ) -> None:
        status = (
            {"code": "STATUS_CODE_ERROR", "message": error}
            if error
            else {"code": "STATUS_CODE_UNSET"}
        )
        self.spans.setdefault((service, pod), []).append(
            {
                "traceId": self.trace_id,
                "spanId": span_id,
                "parentSpanId": parent,
                "name": name,
                "kind": kind,
                "startTimeUnixNano": str(int(start * 1e9)),
                "endTimeUnixNano": str(int(end * 1e9)),
                "attributes": attrs,
                "status": status,
            }
        )


class _Builder:
    def __init__(self, cluster: Cluster, states: States, rng: random.Random) -> None:
        self.cluster = cluster
        self.states = states
        self.rng = rng
        self.world = cluster.scenario.world

    def pod_for(self, service: str, t: float) -> str:
        ready = [p for p in self.cluster.pods_of(service) if p.ready(t)]
        return self.rng.choice(ready).name if ready else ""

    def _store_call(self, tr: _Trace, peer: str, t: float) -> tuple[_Call, bool]:
        """A CLIENT span to a datastore; returns it and whether it failed."""
        store = self.world.datastore(peer)
        callee = self.states.at(peer, t)
        end = t + max(0.0002, callee.latency * self.rng.lognormvariate(0, 0.4))
        failed = self.rng.random() < callee.err
        attrs = [_attr("server.address", store.address.split(":")[0])]
        if store.kind in _DB:
            attrs.append(_attr("db.system", _DB[store.kind]))
            name = "GET" if store.kind == "redis" else "SELECT orders"
        else:
            attrs += [
                _attr("http.request.method", "POST"),
                _attr("http.response.status_code", int(callee.code) if failed else 200),
            ]
            name = "POST"
        error = f"{peer}: {'connection refused' if store.kind == 'redis' else 'unavailable'}"
        effect = self.cluster.scenario.failing(peer, t)
        if effect is not None and effect.templates:
            error = effect.templates[0].split("\n")[0]
        return _Call(tr.new_id(), name, t, end, attrs, error if failed else None), failed

    def _refused_call(self, tr: _Trace, peer: str, t: float) -> _Call | None:
        """A CLIENT span whose connection ``peer`` refused, when this call is one of those."""
        scn = self.cluster.scenario
        share = scn.level(peer, "refuse", t)
        # Drawing only while a refusal is active keeps other scenarios' traces unchanged.
        if not share or self.rng.random() >= share:
            return None
        effect = next(e for e in scn.effects if e.component == peer and e.kind == "refuse")
        error = effect.templates[0].split("\n")[0] if effect.templates else "connection refused"
        method = self.world.service(peer).method
        attrs = [_attr("http.request.method", method), _attr("server.address", f"{peer}.shop.svc")]
        end = t + 0.002 * self.rng.lognormvariate(0, 0.3)  # the handshake fails fast
        return _Call(tr.new_id(), method, t, end, attrs, error)

    def serve(self, tr: _Trace, svc: Service, parent: str, start: float) -> tuple[float, str]:
        """Record a SERVER span and its CLIENT children; return (end, status code)."""
        point = self.states.at(svc.name, start)
        pod = self.pod_for(svc.name, start)
        if not pod:
            return start + 0.001, "503"  # no ready endpoint: the caller's connect fails
        own = point.latency - sum(
            share * self.states.at(p, start).latency for p, share in point.calls
        )
        capacity = self.cluster.scenario.capacity
        if capacity.contention:  # a pod on a CPU-starved node does its own work slower
            node = next(p.node for p in self.cluster.pods_of(svc.name) if p.name == pod)
            own *= capacity.slowdown(svc.name, node, start)
        t = start + max(0.0005, own * self.rng.lognormvariate(0, 0.4)) / 2
        edges = {e.peer: e for e in svc.edges}
        failed_by: str | None = None
        calls: list[_Call] = []
        failed_peers: set[str] = set()
        for peer, share in point.calls:
            edge = edges[peer]
            if edge.fallback_for is not None:
                if edge.fallback_for not in failed_peers:
                    continue
            elif self.rng.random() >= share:
                continue
            if self.world.is_datastore(peer):
                call, failed = self._store_call(tr, peer, t)
                covered = any(e.fallback_for == peer for e in svc.edges)
            elif (refused := self._refused_call(tr, peer, t)) is not None:
                call, failed, covered = refused, True, False
            else:
                peer_svc = self.world.service(peer)
                span_id = tr.new_id()
                end, code = self.serve(tr, peer_svc, span_id, t + 0.0004)
                failed, covered = code != "200", False
                attrs = [
                    _attr("http.request.method", peer_svc.method),
                    _attr("server.address", f"{peer}.shop.svc"),
                    _attr("http.response.status_code", int(code)),
                ]
                call = _Call(
                    span_id,
                    peer_svc.method,
                    t,
                    end + 0.0004,
                    attrs,
                    f"HTTP {code}" if failed else None,
                )
            calls.append(call)
            t = call.end
            if failed:
                failed_peers.add(peer)
            if failed and edge.propagates and not covered and failed_by is None:
                failed_by = peer
        own_fail = self.rng.random() < point.own_err
        end = t + max(0.0005, own * self.rng.lognormvariate(0, 0.4)) / 2
        code = point.code if (own_fail or failed_by) else "200"
        attrs = [
            _attr("http.request.method", svc.method),
            _attr("http.route", svc.route),
            _attr("http.response.status_code", int(code)),
        ]
        server_id = tr.new_id()
        tr.add(
            svc.name,
            pod,
            server_id,
            parent,
            f"{svc.method} {svc.route}",
            "SPAN_KIND_SERVER",
            start,
            end,
            attrs,
            f"HTTP {code}" if code != "200" else None,
        )
        for c in calls:
            tr.add(
                svc.name,
                pod,
                c.span_id,
                server_id,
                c.name,
                "SPAN_KIND_CLIENT",
                c.start,
                c.end,
                c.attrs,
                c.error,
            )
        return end, code


def generate(cluster: Cluster, states: States) -> list[dict[str, Any]]:
    """Sampled traces of the window, one ``TracesData`` per trace, in start order."""
    scn = cluster.scenario
    rng = random.Random(f"{scn.seed}/traces")
    builder = _Builder(cluster, states, rng)
    count = int(TRACES_PER_HOUR * scn.window_s / 3600)
    starts = sorted(rng.uniform(scn.start, scn.now - 30) for _ in range(count))
    out = []
    namespaces = {w.name: w.namespace for w in scn.world.workloads}
    for start in starts:
        tr = _Trace(f"{rng.getrandbits(128):032x}", rng)
        builder.serve(tr, scn.world.service("frontend"), "", start)
        resource_spans = []
        for (service, pod), spans in tr.spans.items():
            attrs = [
                _attr("service.name", service),
                _attr("k8s.namespace.name", namespaces[service]),
                _attr("k8s.pod.name", pod),
            ]
            resource_spans.append(
                {
                    "resource": {"attributes": attrs},
                    "scopeSpans": [{"scope": {"name": f"com.shop.{service}"}, "spans": spans}],
                }
            )
        out.append({"resourceSpans": resource_spans})
    return out


def to_json(trace: dict[str, Any]) -> str:
    """One ``traces.jsonl`` line."""
    return json.dumps(trace, separators=(",", ":"))
