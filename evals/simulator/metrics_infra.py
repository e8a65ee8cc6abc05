"""Cluster-level metrics.

kube-state-metrics, node_exporter, redis/postgres exporters, blackbox probes and CoreDNS.
"""

from __future__ import annotations

import math
import random

from evals.simulator.capacity import Autoscaler
from evals.simulator.lifecycle import Cluster, Pod
from evals.simulator.metrics_app import db_pool_used
from evals.simulator.metrics_dependencies import add_blackbox_probe
from evals.simulator.node_state import NODE_CPUS, condition_true, disk_free, extra_cpu_cores
from evals.simulator.openmetrics import MetricStore
from evals.simulator.state import STEP_S, States

_MI = 1024 * 1024
_NODE_MEMORY = 32 * 1024 * _MI
PG_MAX_CONNECTIONS = 100


def _ksm_pod(store: MetricStore, cluster: Cluster, pod: Pod, t: float) -> None:
    wl = pod.workload
    base = {"namespace": wl.namespace, "pod": pod.name}
    ctr = {**base, "container": wl.name}
    f = store.family
    owner = "ReplicaSet" if wl.kind == "Deployment" else wl.kind
    owner_name = f"{wl.name}-{pod.revision.template_hash}" if wl.kind == "Deployment" else wl.name
    store.add(
        f("kube_pod_info", "gauge", "Information about pod."),
        "",
        {
            **base,
            "uid": pod.uid,
            "node": pod.node,
            "pod_ip": pod.ip,
            "created_by_kind": owner,
            "created_by_name": owner_name,
        },
        t,
        1,
    )
    # Only the series people query (phase="Running", condition="true") keep the bundle small.
    evicted = pod.evicted is not None and t >= pod.evicted
    running = bool(pod.runs) and pod.runs[0].start <= t and not evicted
    phase = f("kube_pod_status_phase", "gauge", "The pods current phase.")
    store.add(phase, "", {**base, "phase": "Running"}, t, int(running))
    if pod.evicted is not None or not pod.node:
        _ksm_displaced(store, pod, t, evicted)
    store.add(
        f("kube_pod_status_ready", "gauge", "Describes whether the pod is ready."),
        "",
        {**base, "condition": "true"},
        t,
        int(pod.ready(t)),
    )
    store.add(
        f(
            "kube_pod_container_status_restarts",
            "counter",
            "The number of container restarts per container.",
        ),
        "_total",
        ctr,
        t,
        pod.restarts_at(t),
    )
    last = pod.last_termination(t)
    if last is not None:
        store.add(
            f(
                "kube_pod_container_status_last_terminated_reason",
                "gauge",
                "Describes the last reason the container was in terminated state.",
            ),
            "",
            {**ctr, "reason": last.reason},
            t,
            1,
        )
    if pod.run_at(t) is None and last is not None:
        store.add(
            f(
                "kube_pod_container_status_waiting_reason",
                "gauge",
                "Describes the reason the container is currently in waiting state.",
            ),
            "",
            {**ctr, "reason": "CrashLoopBackOff"},
            t,
            1,
        )
    for fam, kind in (
        ("kube_pod_container_resource_limits", "limits"),
        ("kube_pod_container_resource_requests", "requests"),
    ):
        family = f(fam, "gauge", f"The number of requested {kind} resource by a container.")
        mem = pod.revision.memory_limit_mi if kind == "limits" else wl.memory_mi * 1.1
        cpu = wl.cpu_limit_cores if kind == "limits" else wl.cpu_cores
        if kind == "limits":
            store.add(
                family, "", {**ctr, "node": pod.node, "resource": "cpu", "unit": "core"}, t, cpu
            )
        store.add(
            family,
            "",
            {**ctr, "node": pod.node, "resource": "memory", "unit": "byte"},
            t,
            round(mem) * _MI,
        )


def _ksm_displaced(store: MetricStore, pod: Pod, t: float, evicted: bool) -> None:
    """Phase and reason series of an evicted pod, or of its replacement that cannot schedule."""
    f = store.family
    base = {"namespace": pod.workload.namespace, "pod": pod.name}
    phase = f("kube_pod_status_phase", "gauge", "The pods current phase.")
    if pod.evicted is not None:
        store.add(phase, "", {**base, "phase": "Failed"}, t, int(evicted))
        reason = f("kube_pod_status_reason", "gauge", "The pod status reasons")
        store.add(reason, "", {**base, "reason": "Evicted"}, t, int(evicted))
        return
    store.add(phase, "", {**base, "phase": "Pending"}, t, 1)
    store.add(
        f(
            "kube_pod_status_unschedulable",
            "gauge",
            "Describes the unschedulable status for the pod.",
        ),
        "",
        base,
        t,
        1,
    )


def generate_kube_state(store: MetricStore, cluster: Cluster, states: States) -> None:
    """Emit kube-state-metrics series for pods, workloads, HPAs and nodes."""
    world = cluster.scenario.world
    times = states.step_times()
    for pod in cluster.pods:
        if pod.workload.kind == "DaemonSet":
            continue  # the agents' own pods are left out to keep the bundle small
        for t in times:
            if pod.alive(t):
                _ksm_pod(store, cluster, pod, t)
    spec = store.family("kube_deployment_spec_replicas", "gauge", "Desired pods for a deployment.")
    avail = store.family(
        "kube_deployment_status_replicas_available",
        "gauge",
        "The number of available replicas per deployment.",
    )
    sts_spec = store.family("kube_statefulset_replicas", "gauge", "Desired pods for a StatefulSet.")
    sts_ready = store.family(
        "kube_statefulset_status_replicas_ready",
        "gauge",
        "The number of ready replicas per StatefulSet.",
    )
    for wl in world.workloads:
        if wl.kind == "DaemonSet":
            continue
        is_deploy = wl.kind == "Deployment"
        key = "deployment" if is_deploy else "statefulset"
        labels = {"namespace": wl.namespace, key: wl.name}
        for t in times:
            ready = sum(1 for p in cluster.pods_of(wl.name) if p.ready(t))
            desired = cluster.desired(wl.name, t)
            store.add(spec if is_deploy else sts_spec, "", labels, t, desired)
            store.add(avail if is_deploy else sts_ready, "", labels, t, min(ready, desired))
    _ksm_autoscalers(store, cluster, times)
    cond = store.family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
    for node in world.nodes:
        for condition in ("Ready", "MemoryPressure", "DiskPressure"):
            labels = {"node": node, "condition": condition, "status": "true"}
            for t in times:
                store.add(cond, "", labels, t, int(condition_true(cluster, node, condition, t)))


def _ksm_autoscalers(store: MetricStore, cluster: Cluster, times: list[float]) -> None:
    """HPA series: the declared autoscalers, or by default fixed ones on frontend and gateway."""
    declared = cluster.scenario.capacity.autoscalers
    hpas = declared or tuple(Autoscaler(name, 2, 6) for name in ("frontend", "api-gateway"))
    for hpa in hpas:
        labels = {"namespace": "shop", "horizontalpodautoscaler": hpa.workload}
        for fam in ("spec_max_replicas", "status_current_replicas", "status_desired_replicas"):
            family = store.family(
                f"kube_horizontalpodautoscaler_{fam}", "gauge", f"HPA {fam.replace('_', ' ')}."
            )
            for t in times:
                value = hpa.max_replicas if fam == "spec_max_replicas" else None
                store.add(family, "", labels, t, value or cluster.desired(hpa.workload, t))
        if not declared:
            continue  # the default series stay as they always were
        limited = store.family(
            "kube_horizontalpodautoscaler_status_condition",
            "gauge",
            "The condition of this autoscaler.",
        )
        cond = {**labels, "condition": "ScalingLimited", "status": "true"}
        for t in times:
            store.add(
                limited, "", cond, t, int(cluster.desired(hpa.workload, t) >= hpa.max_replicas)
            )


def generate_nodes(store: MetricStore, cluster: Cluster, states: States) -> None:
    """Emit node_exporter series for every node."""
    rng = random.Random(f"{cluster.scenario.seed}/nodes")
    avail = store.family("node_memory_MemAvailable_bytes", "gauge", "Memory information field.")
    disk = store.family("node_filesystem_avail_bytes", "gauge", "Filesystem space available.")
    cpu = store.family("node_cpu_seconds", "counter", "Seconds the CPUs spent in each mode.")
    for i, node in enumerate(cluster.scenario.world.nodes):
        inst = {
            "instance": f"10.20.{i + 1}.{17 + 9 * (i + 1)}:9100",
            "job": "node-exporter",
            "node": node,
        }
        fs_free = rng.uniform(40, 70) * 1024 * _MI
        pressure = cluster.scenario.capacity.pressure(node)
        idle = user = rng.uniform(1e6, 3e6)
        for t in states.step_times():
            used = sum(cluster.memory_mi(p, t) for p in cluster.pods if p.node == node) * _MI
            store.add(avail, "", inst, t, round(_NODE_MEMORY * 0.82 - used))
            fs_free -= rng.uniform(0, 2) * _MI
            store.add(
                disk,
                "",
                {**inst, "device": "/dev/nvme0n1p1", "fstype": "xfs", "mountpoint": "/"},
                t,
                round(disk_free(pressure, t, fs_free)),
            )
            busy = rng.uniform(0.2, 0.35)
            extra = extra_cpu_cores(cluster, node, t)
            if extra:  # a neighbour's CPU demand leaves the node almost no idle time
                busy = min(0.985, busy + extra / NODE_CPUS)
            user += STEP_S * 4 * busy
            idle += STEP_S * 4 * (1 - busy)
            store.add(cpu, "_total", {**inst, "cpu": "0", "mode": "idle"}, t, idle)
            store.add(cpu, "_total", {**inst, "cpu": "0", "mode": "user"}, t, user)


def generate_exporters(store: MetricStore, cluster: Cluster, states: States) -> None:
    """Emit redis_exporter, postgres_exporter, blackbox and CoreDNS series."""
    rng = random.Random(f"{cluster.scenario.seed}/exporters")
    world = cluster.scenario.world
    times = states.step_times()
    f = store.family
    redis_pod = cluster.pods_of("cart-cache")[-1]
    redis = {
        "namespace": "data",
        "pod": redis_pod.name,
        "service": "cart-cache",
        "instance": f"{redis_pod.ip}:9121",
    }
    cmds = 3.1e9
    for t in times:
        run = redis_pod.run_at(t)
        up = redis_pod.ready(t)
        store.add(
            f("redis_up", "gauge", "Information about the Redis instance."), "", redis, t, int(up)
        )
        if run is None:
            continue
        cmds = cmds if run.start < t - STEP_S else 0.0
        cmds += states.at("cart-cache", t).rps * STEP_S * 3 * int(up)
        clients = 2 * 10 * int(up) + rng.randint(1, 3)
        store.add(
            f("redis_connected_clients", "gauge", "Number of client connections."),
            "",
            redis,
            t,
            clients,
        )
        store.add(
            f("redis_commands_processed", "counter", "Total commands processed."),
            "_total",
            redis,
            t,
            math.floor(cmds),
        )
        store.add(
            f("redis_memory_used_bytes", "gauge", "Memory used by Redis."),
            "",
            redis,
            t,
            round(cluster.memory_mi(redis_pod, t) * 0.8 * _MI),
        )
    pg = {
        "namespace": "data",
        "service": "orders-db",
        "instance": "orders-db-0:9187",
        "server": "orders-db.data.svc:5432",
    }
    for t in times:
        used = 0.0
        for svc in world.services:
            for pod in cluster.pods_of(svc.name):
                used += min(float(svc.db_pool_max), db_pool_used(cluster, states, svc, pod, t))
        active = min(PG_MAX_CONNECTIONS - 3, round(used) + 2)
        idle = min(PG_MAX_CONNECTIONS - 3 - active, 24 + rng.randint(0, 3))
        store.add(
            f("pg_up", "gauge", "Whether the last scrape could connect to postgres."), "", pg, t, 1
        )
        act = f("pg_stat_activity_count", "gauge", "Number of connections in this state.")
        for state, n in (("active", active), ("idle", idle), ("idle in transaction", 1)):
            store.add(act, "", {**pg, "datname": "orders", "state": state}, t, n)
        store.add(
            f("pg_settings_max_connections", "gauge", "Server Parameter: max_connections."),
            "",
            pg,
            t,
            PG_MAX_CONNECTIONS,
        )
    probe = {"job": "blackbox", "instance": "https://api.payprovider.example/v2/health"}
    expiry = cluster.scenario.now + 61 * 86400
    for t in times:
        ok = states.at("payment-provider", t).err < 0.5
        add_blackbox_probe(store, probe, t, 200 if ok else 503, expiry)
    coredns = cluster.pods_of("coredns")
    req = f("coredns_dns_requests", "counter", "Counter of DNS requests made per zone.")
    resp = f("coredns_dns_responses", "counter", "Counter of response status codes.")
    for pod in coredns:
        lab = {"namespace": "kube-system", "pod": pod.name, "server": "dns://:53", "zone": "."}
        total, failed = rng.uniform(4e6, 6e6), 0.0
        for t in times:
            step = STEP_S * rng.uniform(280, 320)
            total += step
            # An ``error`` effect on coredns is the share of queries answered SERVFAIL.
            failed += step * min(1.0, cluster.scenario.level("coredns", "error", t))
            answered = total - failed
            store.add(req, "_total", {**lab, "proto": "udp", "type": "A"}, t, math.floor(total))
            store.add(resp, "_total", {**lab, "rcode": "NOERROR"}, t, math.floor(answered * 0.93))
            store.add(resp, "_total", {**lab, "rcode": "NXDOMAIN"}, t, math.floor(answered * 0.07))
            if failed >= 1.0:
                store.add(resp, "_total", {**lab, "rcode": "SERVFAIL"}, t, math.floor(failed))
