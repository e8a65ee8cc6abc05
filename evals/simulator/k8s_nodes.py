"""Nodes as the API server returns them at ``now``, and the pods a node's disk pressure displaced."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evals.simulator.lifecycle import Pod
from evals.simulator.node_state import condition_true, disk_free
from evals.simulator.timefmt import rfc3339

if TYPE_CHECKING:  # k8s imports this module to build its Nodes
    from evals.simulator.k8s import Obj, ObjectFactory

# (type, reason when True, reason when False) as kubelet reports them.
_CONDITIONS = (
    ("Ready", "KubeletReady", "KubeletNotReady"),
    ("MemoryPressure", "KubeletHasInsufficientMemory", "KubeletHasSufficientMemory"),
    ("DiskPressure", "KubeletHasDiskPressure", "KubeletHasNoDiskPressure"),
    ("PIDPressure", "KubeletHasInsufficientPID", "KubeletHasSufficientPID"),
)
_MESSAGES = {
    "KubeletReady": "kubelet is posting ready status",
    "KubeletHasDiskPressure": "kubelet has disk pressure",
}


def node_object(f: ObjectFactory, index: int, node: str, created: float) -> Obj:
    """The Node ``node`` (the ``index``-th of the world) at ``now``."""
    scn = f.cluster.scenario
    zone = f"eu-west-1{'abc'[index]}"
    pressure = scn.capacity.pressure(node)
    conditions = []
    for kind, if_true, if_false in _CONDITIONS:
        status = condition_true(f.cluster, node, kind, scn.now)
        reason = if_true if status else if_false
        changed = pressure.start if pressure and kind == "DiskPressure" else created
        condition = {
            "type": kind,
            "status": str(status),
            "reason": reason,
            "lastHeartbeatTime": rfc3339(scn.now - 20),
            "lastTransitionTime": rfc3339(changed),
        }
        if pressure is not None:  # kubelet's messages, only where the story needs them
            condition["message"] = _MESSAGES.get(reason, f"kubelet has {reason[len('Kubelet') :]}")
        conditions.append(condition)
    spec: Obj = {"providerID": f"aws:///{zone}/i-0{index}4f2c9e1b7a{index}d3"}
    if pressure is not None and pressure.active(scn.now):
        spec["taints"] = [
            {
                "key": "node.kubernetes.io/disk-pressure",
                "effect": "NoSchedule",
                "timeAdded": rfc3339(pressure.start + 1),
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": f.meta(
            node,
            None,
            created,
            scn.now - 20,
            {
                "kubernetes.io/hostname": node,
                "node.kubernetes.io/instance-type": "m6i.2xlarge",
                "topology.kubernetes.io/zone": zone,
            },
            manager="kubelet",
        ),
        "spec": spec,
        "status": {
            "capacity": {"cpu": "8", "memory": "32386472Ki", "pods": "58"},
            "allocatable": {"cpu": "7910m", "memory": "31369640Ki", "pods": "58"},
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": f"10.20.{index + 1}.10"},
                {"type": "Hostname", "address": node},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.29.4",
                "osImage": "Amazon Linux 2",
                "containerRuntimeVersion": "containerd://1.7.11",
            },
        },
    }


def unschedulable_message(nodes: int) -> str:
    """The scheduler's verdict on a replacement pod while one node is tainted and two are full."""
    return (
        f"0/{nodes} nodes are available: 1 node(s) had untolerated taint "
        f"{{node.kubernetes.io/disk-pressure: }}, {nodes - 1} Insufficient cpu. preemption: "
        f"0/{nodes} nodes are available: 1 Preemption is not helpful for scheduling, "
        f"{nodes - 1} No preemption victims found for incoming pod."
    )


def eviction_message(pod: Pod, available_bytes: float) -> str:
    """Kubelet's message on a pod it evicted for ephemeral storage."""
    using = 180 + int(pod.phase * 97)  # what the container's logs and scratch space held
    return (
        "The node was low on resource: ephemeral-storage. Threshold quantity: 10%, "
        f"available: {int(available_bytes // 1024)}Ki. Container {pod.workload.name} was using "
        f"{using}Mi, request is 0, has larger consumption of ephemeral-storage. "
    )


def displaced_pod(f: ObjectFactory, pod: Pod, obj: Obj) -> Obj:
    """Rewrite ``obj`` for a pod kubelet evicted, or for a replacement no node can take."""
    scn = f.cluster.scenario
    status = obj["status"]
    if pod.evicted is None:
        del obj["spec"]["nodeName"]
        obj["status"] = {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": unschedulable_message(len(scn.world.nodes)),
                    "lastTransitionTime": rfc3339(pod.created + 0.5),
                }
            ],
            "qosClass": status["qosClass"],
        }
        return obj
    run = pod.runs[-1]
    available = disk_free(scn.capacity.pressure(pod.node), pod.evicted, 0.0)
    message = eviction_message(pod, available)
    container = status["containerStatuses"][0]
    container.update(
        ready=False,
        started=False,
        state={
            "terminated": {
                "exitCode": 137,
                "reason": "Error",
                "startedAt": rfc3339(run.start),
                "finishedAt": rfc3339(pod.evicted),
            }
        },
    )
    conditions = [c for c in status["conditions"] if c["type"] in ("PodScheduled", "Initialized")]
    conditions += [
        {
            "type": kind,
            "status": "False",
            "reason": "PodFailed",
            "lastTransitionTime": rfc3339(pod.evicted),
        }
        for kind in ("ContainersReady", "Ready")
    ]
    conditions.append(
        {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "TerminationByKubelet",
            "message": message,
            "lastTransitionTime": rfc3339(pod.evicted),
        }
    )
    status.update(phase="Failed", reason="Evicted", message=message, conditions=conditions)
    return obj
