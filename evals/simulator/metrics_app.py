"""Per-pod metrics: HTTP server and client metrics, cAdvisor container metrics, DB pools.

Counters live in the container: they restart from zero when the container restarts, and a pod
whose container is down is not scraped (its series have a gap).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from evals.simulator.lifecycle import Cluster, Pod
from evals.simulator.openmetrics import MetricStore
from evals.simulator.state import STEP_S, States
from evals.simulator.world import Service

BUCKETS = ("0.1", "0.25", "1", "2.5", "+Inf")
SERVER_CODES = ("200", "500", "503", "504")
ALWAYS_CODES = ("200", "500")  # created at start-up; others on first use
LATENCY_SIGMA = 0.5
_MI = 1024 * 1024


def lognormal_cdf(x: float, median: float) -> float:
    """P(duration <= x) for the latency distribution with this median."""
    if x == math.inf:
        return 1.0
    return 0.5 * (1.0 + math.erf(math.log(x / median) / (LATENCY_SIGMA * math.sqrt(2.0))))


def pod_share(cluster: Cluster, pod: Pod, t: float) -> float:
    """The share of its service's traffic the pod receives at ``t``."""
    if not pod.ready(t):
        return 0.0
    ready = sum(1 for p in cluster.pods_of(pod.workload.name) if p.ready(t))
    return 1.0 / ready


def db_pool_used(cluster: Cluster, states: States, svc: Service, pod: Pod, t: float) -> float:
    """Connections a pod's pool would need: its base use scaled by how slow the database is."""
    if svc.db_pool_max == 0 or not pod.ready(t):
        return 0.0
    slow = (
        states.at("orders-db", t).latency / cluster.scenario.world.datastore("orders-db").latency_s
    )
    return 2.5 * slow * (1.0 + 0.15 * math.sin(t / 61.0 + pod.phase))


class _Counters:
    """Cumulative counters of one pod, reset whenever its container restarts."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, ...], float] = defaultdict(float)
        self.run_start: float | None = None

    def roll(self, run_start: float) -> None:
        if run_start != self.run_start:
            self.values.clear()
            self.run_start = run_start


def generate_app(store: MetricStore, cluster: Cluster, states: States) -> None:
    """Emit HTTP, client, container and pool metrics for every pod of every service."""
    scn = cluster.scenario
    req = store.family("http_requests", "counter", "Total HTTP requests handled.")
    dur = store.family(
        "http_request_duration_seconds", "histogram", "HTTP request latency in seconds."
    )
    cli = store.family(
        "http_client_requests_seconds", "summary", "Outbound HTTP client requests by peer."
    )
    pool_used = store.family(
        "db_client_connections_usage", "gauge", "Connections in the pool by state."
    )
    pool_max = store.family("db_client_connections_max", "gauge", "Maximum pool size.")
    pending = store.family(
        "db_client_connections_pending_requests", "gauge", "Requests waiting for a pool connection."
    )
    for svc in scn.world.services:
        for pod in cluster.pods_of(svc.name):
            counters = _Counters()
            base = {"namespace": "shop", "service": svc.name, "pod": pod.name}
            http = {**base, "method": svc.method, "route": svc.route}
            for t in states.step_times():
                run = pod.run_at(t)
                if run is None:
                    continue
                counters.roll(run.start)
                prev = t - STEP_S
                point = states.at(svc.name, prev)
                n = point.rps * STEP_S * pod_share(cluster, pod, prev) if prev >= run.start else 0.0
                c = counters.values
                c[("200",)] += n * (1.0 - point.err)
                c[(point.code,)] += n * point.err
                for code in SERVER_CODES:
                    if code in ALWAYS_CODES or c[(code,)] >= 1.0:
                        store.add(req, "_total", {**http, "code": code}, t, math.floor(c[(code,)]))
                # Pods on a CPU-starved node answer slower than their service as a whole.
                latency = point.latency * scn.capacity.slowdown(svc.name, pod.node, prev)
                for le in BUCKETS:
                    c[("le", le)] += n * lognormal_cdf(float(le), latency)
                    store.add(dur, "_bucket", {**http, "le": le}, t, math.floor(c[("le", le)]))
                c[("sum",)] += n * latency * math.exp(LATENCY_SIGMA**2 / 2)
                store.add(dur, "_sum", http, t, c[("sum",)])
                store.add(dur, "_count", http, t, math.floor(c[("le", "+Inf")]))
                for peer, share in point.calls:
                    if (
                        scn.world.is_datastore(peer)
                        and scn.world.datastore(peer).kind != "external"
                    ):
                        continue
                    callee = states.at(peer, prev)
                    calls = n * share
                    fail = callee.err
                    refused = scn.level(peer, "refuse", prev)
                    if refused:
                        fail = fail + refused - fail * refused
                    c[("cli", peer, "200")] += calls * (1.0 - fail)
                    c[("cli", peer, callee.code)] += calls * fail
                    c[("cli_sum", peer)] += calls * callee.latency
                    for code in SERVER_CODES:
                        if c[("cli", peer, code)] >= 1.0:
                            labels = {**base, "peer": peer, "code": code}
                            store.add(cli, "_count", labels, t, math.floor(c[("cli", peer, code)]))
                if svc.db_pool_max:
                    need = db_pool_used(cluster, states, svc, pod, t)
                    used = min(float(svc.db_pool_max), need)
                    idle = max(0.0, min(5.0, svc.db_pool_max - used))
                    pool = {**base, "pool_name": "orders"}
                    store.add(pool_used, "", {**pool, "state": "used"}, t, round(used))
                    store.add(pool_used, "", {**pool, "state": "idle"}, t, round(idle))
                    store.add(pool_max, "", pool, t, svc.db_pool_max)
                    store.add(pending, "", pool, t, max(0, round(need - svc.db_pool_max)))


def generate_containers(store: MetricStore, cluster: Cluster, states: States) -> None:
    """Emit cAdvisor metrics for every pod of every workload."""
    rng = random.Random(f"{cluster.scenario.seed}/cadvisor")
    cpu = store.family("container_cpu_usage_seconds", "counter", "Cumulative cpu time consumed.")
    mem = store.family("container_memory_working_set_bytes", "gauge", "Current working set.")
    periods = store.family(
        "container_cpu_cfs_periods", "counter", "Number of elapsed enforcement period intervals."
    )
    throttled = store.family(
        "container_cpu_cfs_throttled_periods", "counter", "Number of throttled period intervals."
    )
    ooms = store.family("container_oom_events", "counter", "Count of out of memory events.")
    services = {s.name: s for s in cluster.scenario.world.services}
    for pod in cluster.pods:
        wl = pod.workload
        if wl.kind == "DaemonSet":
            continue  # the agents' own pods are left out to keep the bundle small
        labels = {"namespace": wl.namespace, "pod": pod.name, "container": wl.name}
        counters = _Counters()
        for t in states.step_times():
            run = pod.run_at(t)
            if not pod.alive(t) or not pod.node or (pod.evicted is not None and t >= pod.evicted):
                continue  # cAdvisor only sees containers of scheduled, not yet evicted pods
            if run is not None:
                counters.roll(run.start)
            c = counters.values
            load = 1.0 + cluster.scenario.level(wl.name, "cpu", t)
            svc = services.get(wl.name)
            if svc is not None and run is not None:
                nominal = states.table[svc.name][0].rps / wl.replicas
                load = states.at(svc.name, t).rps * pod_share(cluster, pod, t) / nominal
            demand = wl.cpu_cores * (0.3 + 0.7 * load) * rng.uniform(0.9, 1.1) if run else 0.0
            # The CFS quota caps usage at the limit; demand beyond it shows as throttled periods.
            used = min(demand, wl.cpu_limit_cores)
            c[("cpu",)] += used * STEP_S
            c[("periods",)] += STEP_S * 10 if run else 0
            c[("thr",)] += STEP_S * 10 * min(1.0, max(0.0, demand / wl.cpu_limit_cores - 0.7))
            slow = cluster.scenario.capacity.slowdown(wl.name, pod.node, t)
            if run is not None and slow > 1.0:  # on a saturated node its bursts hit the quota
                c[("thr",)] += STEP_S * 10 * min(0.6, 0.08 * (slow - 1.0))
            store.add(cpu, "_total", labels, t, c[("cpu",)])
            store.add(mem, "", labels, t, round(cluster.memory_mi(pod, t) * _MI))
            store.add(periods, "_total", labels, t, c[("periods",)])
            store.add(throttled, "_total", labels, t, math.floor(c[("thr",)]))
            oom_count = sum(1 for r in pod.runs if r.reason == "OOMKilled" and r.end and r.end <= t)
            store.add(ooms, "_total", labels, t, oom_count)
