"""Events of the capacity story, as occurrences for ``events.event_objects`` to aggregate.

kubelet's disk pressure and evictions, the scheduler's refusals and the autoscaler's rescale.
Only scenarios that declare capacity facts produce any, so other bundles are unchanged.
"""

from __future__ import annotations

import random

from evals.simulator.capacity import Autoscaler, NodePressure
from evals.simulator.events import Occurrence
from evals.simulator.k8s_nodes import eviction_message, unschedulable_message
from evals.simulator.lifecycle import Cluster, new_uid
from evals.simulator.node_state import disk_free

_SCHEDULER_RETRY_S = 60.0  # unschedulable pods are retried about once a minute
_IMAGE_GC_EVERY_S = 300.0


def autoscaler_uid(cluster: Cluster, workload: str) -> str:
    """The uid of ``workload``'s HorizontalPodAutoscaler (its object and Events share it)."""
    return new_uid(random.Random(f"{cluster.scenario.seed}/hpa/{workload}"))


def _every(start: float, end: float, step: float) -> list[float]:
    return [start + k * step for k in range(int(max(0.0, end - start) // step) + 1)]


def _node(pressure: NodePressure, t: float, reason: str, message: str, kind: str) -> Occurrence:
    node = pressure.node
    # kubelet names the Node by its name in the uid field of the events it records
    return Occurrence(t, "Node", node, "", node, reason, message, kind, "kubelet")


def _pressure(cluster: Cluster, pressure: NodePressure) -> list[Occurrence]:
    now = cluster.scenario.now
    out = [
        _node(
            pressure,
            t,
            "FreeDiskSpaceFailed",
            "Failed to garbage collect required amount of images. Attempted to free "
            f"{int(15 * 1024**3 - disk_free(pressure, t, 0.0) * 0.6)} bytes, but only found 0 "
            "bytes eligible to free.",
            "Warning",
        )
        for t in _every(pressure.start - 0.3 * pressure.fill_s, now, _IMAGE_GC_EVERY_S)
    ]
    out.append(
        _node(
            pressure,
            pressure.start,
            "NodeHasDiskPressure",
            f"Node {pressure.node} status is now: NodeHasDiskPressure",
            "Normal",
        )
    )
    out += [
        _node(
            pressure,
            t,
            "EvictionThresholdMet",
            "Attempting to reclaim ephemeral-storage",
            "Warning",
        )
        for t in _every(pressure.start + 1.0, now, 60.0)
    ]
    for pod in cluster.pods:
        wl = pod.workload
        ns = wl.namespace
        if pod.evicted is not None and pod.node == pressure.node:
            message = eviction_message(pod, disk_free(pressure, pod.evicted, 0.0))
            out += [
                Occurrence(
                    pod.evicted,
                    "Pod",
                    pod.name,
                    ns,
                    pod.uid,
                    "Evicted",
                    message,
                    "Warning",
                    "kubelet",
                ),
                Occurrence(
                    pod.evicted + 0.1,
                    "Pod",
                    pod.name,
                    ns,
                    pod.uid,
                    "Killing",
                    f"Stopping container {wl.name}",
                    "Normal",
                    "kubelet",
                ),
            ]
        elif not pod.node:
            rs = f"{wl.name}-{pod.revision.template_hash}"
            out.append(
                Occurrence(
                    pod.created,
                    "ReplicaSet",
                    rs,
                    ns,
                    pod.revision.uid,
                    "SuccessfulCreate",
                    f"Created pod: {pod.name}",
                    "Normal",
                    "replicaset-controller",
                )
            )
            message = unschedulable_message(len(cluster.scenario.world.nodes))
            out += [
                Occurrence(
                    t,
                    "Pod",
                    pod.name,
                    ns,
                    pod.uid,
                    "FailedScheduling",
                    message,
                    "Warning",
                    "default-scheduler",
                )
                for t in _every(pod.created + 0.4, now, _SCHEDULER_RETRY_S)
            ]
    return out


def _rescale(cluster: Cluster, hpa: Autoscaler) -> list[Occurrence]:
    if hpa.scaled_at is None:
        return []
    wl = cluster.scenario.world.workload(hpa.workload)
    rev = cluster.revisions[wl.name][-1]
    rs = f"{wl.name}-{rev.template_hash}"
    out = [
        Occurrence(
            hpa.scaled_at,
            "HorizontalPodAutoscaler",
            wl.name,
            wl.namespace,
            autoscaler_uid(cluster, wl.name),
            "SuccessfulRescale",
            f"New size: {hpa.max_replicas}; reason: cpu resource utilization (percentage of "
            "request) above target",
            "Normal",
            "horizontal-pod-autoscaler",
        ),
        Occurrence(
            hpa.scaled_at + 0.5,
            "Deployment",
            wl.name,
            wl.namespace,
            cluster.uids[wl.name],
            "ScalingReplicaSet",
            f"Scaled up replica set {rs} to {hpa.max_replicas} from {wl.replicas}",
            "Normal",
            "deployment-controller",
        ),
    ]
    new = [p for p in cluster.pods_of(wl.name) if p.created >= hpa.scaled_at and p.node]
    out += [
        Occurrence(
            p.created,
            "ReplicaSet",
            rs,
            wl.namespace,
            rev.uid,
            "SuccessfulCreate",
            f"Created pod: {p.name}",
            "Normal",
            "replicaset-controller",
        )
        for p in new
    ]
    return out


def occurrences(cluster: Cluster) -> list[Occurrence]:
    """Every occurrence the scenario's capacity declarations imply."""
    capacity = cluster.scenario.capacity
    out = [o for p in capacity.pressures for o in _pressure(cluster, p)]
    return out + [o for h in capacity.autoscalers for o in _rescale(cluster, h)]
