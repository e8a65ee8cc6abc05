"""Per-step state of every component: request rate, failure share, status code and latency.

Request rates flow from the callers down; failures and latency flow from the callees up, so a
fault injected in one component shows in everything that depends on it. Every generator reads
the same ``States`` table, which is what keeps metrics, logs and traces telling one story.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from evals.simulator.lifecycle import Cluster
from evals.simulator.scenario import Scenario
from evals.simulator.world import Service

STEP_S = 30
_CHURN_ERROR = 0.03  # share of requests cut off when a container dies under them


@dataclass(frozen=True, slots=True)
class Point:
    """A component's state during one step.

    ``calls`` is the share of requests that call each peer (fallbacks included), ``blame`` the
    share of requests that fail because of each peer, ``own_err`` the share failing in the
    component itself.
    """

    rps: float
    err: float
    own_err: float
    code: str
    latency: float
    calls: tuple[tuple[str, float], ...] = ()
    blame: tuple[tuple[str, float], ...] = ()


@dataclass(slots=True)
class States:
    """The state of every component at every step of the window."""

    start: float
    steps: int
    table: dict[str, list[Point]]

    def at(self, component: str, t: float) -> Point:
        """The state of ``component`` during the step containing ``t``."""
        k = int((t - self.start) // STEP_S)
        return self.table[component][max(0, min(self.steps - 1, k))]

    def step_times(self) -> list[float]:
        """The start time of every step."""
        return [self.start + k * STEP_S for k in range(self.steps)]


def _own(scn: Scenario, cluster: Cluster, name: str, t: float) -> tuple[float, str, float]:
    """Own failure share, status code and latency factor of a component at ``t``."""
    effect = scn.failing(name, t)
    err = effect.at(t) if effect else 0.0
    code = effect.code if effect else "500"
    factor = 1.0 + scn.level(name, "latency", t)
    if any(w.name == name for w in scn.world.workloads):
        ready = cluster.ready_share(name, t)
        if ready == 0.0:
            return 1.0, "503", factor
        pods = cluster.pods_of(name)
        if ready < 1.0 and any(p.alive(t) and not p.ready(t) and p.restarts_at(t) for p in pods):
            err += _CHURN_ERROR
            code = "503" if not effect else code
        factor *= 1.0 + 0.5 * (1.0 - ready)
    return min(1.0, err), code, factor


def _service_point(
    scn: Scenario,
    svc: Service,
    rps: float,
    t: float,
    own: tuple[float, str, float],
    peers: dict[str, Point],
    shares: dict[str, float] | None = None,
) -> Point:
    own_err, code, factor = own
    calls: dict[str, float] = {}
    blame: dict[str, float] = {}
    latency = svc.latency_s * factor
    fallbacks = {e.fallback_for: e for e in svc.edges if e.fallback_for}
    for edge in svc.edges:
        if edge.fallback_for:
            continue
        peer = peers[edge.peer]
        if shares:  # a surge through this service changed its mix of calls
            edge = replace(edge, share=shares.get(edge.peer, edge.share))
        calls[edge.peer] = edge.share
        latency += edge.share * peer.latency
        fallback = fallbacks.get(edge.peer)
        if fallback is not None:
            fb = peers[fallback.peer]
            share = edge.share * peer.err * fallback.share
            calls[fallback.peer] = share
            latency += share * fb.latency
            blame[fallback.peer] = share * fb.err
        elif edge.propagates:
            # Connections the peer refuses (e.g. a failed TLS handshake) fail on top of its errors.
            refused = scn.level(edge.peer, "refuse", t)
            failed = peer.err + refused - peer.err * refused if refused else peer.err
            blame[edge.peer] = edge.share * failed
    ok = 1.0 - own_err
    for b in blame.values():
        ok *= 1.0 - min(1.0, b)
    err = 1.0 - ok
    if blame and max(blame.values()) > own_err:
        worst = max(blame, key=lambda p: blame[p])
        code = "503" if peers[worst].code == "503" else "500"
    return Point(rps, err, own_err, code, latency, tuple(calls.items()), tuple(blame.items()))


def _surge(scn: Scenario, rps: dict[str, float], t: float) -> dict[str, dict[str, float]]:
    """Add every surge's extra requests along its path; return the call shares that change.

    The extra requests reach the surging service through its first caller at each hop, so the
    callers on the way up carry them too, and the services it calls receive their share.
    """
    world = scn.world
    shares: dict[str, dict[str, float]] = {}
    for surge in scn.capacity.surges:
        extra = rps[surge.component] * surge.at(t)
        if extra <= 0:
            continue
        down = [(surge.component, extra)]
        while down:
            name, more = down.pop()
            rps[name] += more
            down += [
                (e.peer, more * e.share)
                for e in world.service(name).edges
                if not e.fallback_for and not world.is_datastore(e.peer)
            ]
        child = surge.component
        while callers := world.callers_of(child):
            caller = callers[0][0]
            before = rps[caller.name]
            mix = shares.setdefault(
                caller.name, {e.peer: e.share for e in caller.edges if not e.fallback_for}
            )
            for peer in mix:
                mix[peer] = (before * mix[peer] + (extra if peer == child else 0.0)) / (
                    before + extra
                )
            rps[caller.name] = before + extra
            child = caller.name
    return shares


def compute(scn: Scenario, cluster: Cluster) -> States:
    """Compute the state table of the scenario's window."""
    rng = random.Random(f"{scn.seed}/state")
    steps = scn.window_s // STEP_S + 1
    world = scn.world
    order = world.callee_first()
    table: dict[str, list[Point]] = {s.name: [] for s in world.services}
    table.update({d.name: [] for d in world.datastores})
    for k in range(steps):
        t = scn.start + k * STEP_S + STEP_S / 2
        rps: dict[str, float] = {}
        for svc in reversed(order):
            callers = world.callers_of(svc.name)
            base = sum(rps[c.name] * e.share for c, e in callers) if callers else svc.rps
            rps[svc.name] = base * (1.0 + rng.gauss(0.0, 0.04)) if not callers else base
            refused = scn.level(svc.name, "refuse", t)
            if refused:  # refused connections never reach the service's handler
                rps[svc.name] *= 1.0 - refused
        shares = _surge(scn, rps, t)
        peers: dict[str, Point] = {}
        for store in world.datastores:
            err, code, factor = _own(scn, cluster, store.name, t)
            callers = world.callers_of(store.name)
            load = sum(
                rps[c.name] * shares.get(c.name, {}).get(e.peer, e.share) for c, e in callers
            )
            peers[store.name] = Point(load, err, err, code, store.latency_s * factor)
        for svc in order:
            peers[svc.name] = _service_point(
                scn,
                svc,
                rps[svc.name],
                t,
                _own(scn, cluster, svc.name, t),
                peers,
                shares.get(svc.name),
            )
        for name, point in peers.items():
            table[name].append(point)
    return States(scn.start, steps, table)
