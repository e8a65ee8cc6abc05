"""What nodes report over time: disk space, pressure conditions and CPU demand beyond normal.

Derived from the scenario's capacity declarations and the pods' lifecycle, so node_exporter,
kube-state-metrics, the Node objects and kubelet's Events agree on when a node ran short.
"""

from __future__ import annotations

from evals.simulator.capacity import NodePressure
from evals.simulator.lifecycle import Cluster

GIB = 1024**3
NODE_CPUS = 8
DISK_BYTES = 100 * GIB
EVICTION_THRESHOLD = 0.10  # kubelet's default hard threshold nodefs.available<10%
_FLOOR_BYTES = 2.6 * GIB  # where image garbage collection can no longer free anything
_HEALTHY = {"Ready": True, "MemoryPressure": False, "DiskPressure": False, "PIDPressure": False}


def disk_free(pressure: NodePressure | None, t: float, baseline: float) -> float:
    """Free bytes of the node's root filesystem at ``t``, given its undisturbed ``baseline``."""
    if pressure is None or t < pressure.start - pressure.fill_s:
        return baseline
    at_threshold = DISK_BYTES * EVICTION_THRESHOLD * 0.98
    if t < pressure.start:
        done = (t - (pressure.start - pressure.fill_s)) / pressure.fill_s
        return baseline + (at_threshold - baseline) * done
    done = min(1.0, (t - pressure.start) / 600.0)
    return at_threshold + (_FLOOR_BYTES - at_threshold) * done


def condition_true(cluster: Cluster, node: str, condition: str, t: float) -> bool:
    """Whether the node condition (``Ready``, ``DiskPressure``...) has status True at ``t``."""
    pressure = cluster.scenario.capacity.pressure(node)
    if condition == "DiskPressure" and pressure is not None:
        return pressure.active(t)
    return _HEALTHY[condition]


def extra_cpu_cores(cluster: Cluster, node: str, t: float) -> float:
    """CPU cores the pods on ``node`` burn above normal because of ``cpu`` effects."""
    scn = cluster.scenario
    extra = 0.0
    for pod in cluster.pods:
        if pod.node != node or pod.run_at(t) is None:
            continue
        level = scn.level(pod.workload.name, "cpu", t)
        if level:
            wl = pod.workload
            normal = wl.cpu_cores
            extra += max(0.0, min(wl.cpu_limit_cores, wl.cpu_cores * (1.0 + 0.7 * level)) - normal)
    return extra
