"""Which workload a series, span or log line belongs to: pods map to their owners.

Kubernetes says it exactly: a Pod's controller owner reference names a ReplicaSet (whose own
owner is the Deployment), a StatefulSet, a DaemonSet or a Job. Without the Kubernetes API the
pod name's shape is the fallback (``web-7d9f8b6c5-x2k4j`` → ``web``). Labels are read in order
of precision: a pod label wins over a workload-named label, which wins over service/app/job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from agent.errors import BackendError
from agent.k8s_names import workload_of
from tools.clients import KubeReader

# Labels naming a pod, then labels naming a workload directly, then looser ones.
POD_LABELS = ("pod", "pod_name", "k8s_pod_name", "kubernetes_pod_name")
WORKLOAD_LABELS = (
    "workload",
    "deployment",
    "statefulset",
    "daemonset",
    "k8s_deployment_name",
    "app_kubernetes_io_name",
    "service",
    "app",
    "job",
    "service_name",
)


@dataclass
class Workloads:
    """Pod → workload, as the cluster (or, failing that, the pod names) say."""

    pods: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    gaps: list[str] = field(default_factory=list)

    def of_pod(self, pod: str) -> str:
        """The workload owning ``pod``."""
        return self.pods.get(pod) or workload_of(pod)

    def of_labels(self, labels: Mapping[str, str]) -> str | None:
        """The workload a series' labels name, if any."""
        for key in POD_LABELS:
            if labels.get(key):
                return self.of_pod(labels[key])
        for key in WORKLOAD_LABELS:
            value = labels.get(key)
            if value and (not self.names or value in self.names):
                return value
        return None

    def of_name(self, name: str) -> str:
        """A name that may be a pod, a workload or a host (``cart.shop.svc``) → workload."""
        if name in self.pods:
            return self.pods[name]
        first = name.split(".")[0].split(":")[0]
        return first if first in self.names else workload_of(first)


def _owner(item: Mapping[str, object]) -> tuple[str, str] | None:
    meta = item.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, dict) else None
    for ref in refs or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return str(ref.get("kind")), str(ref.get("name"))
    for ref in refs or []:
        if isinstance(ref, dict):
            return str(ref.get("kind")), str(ref.get("name"))
    return None


def _name(item: Mapping[str, object]) -> str:
    meta = item.get("metadata")
    return str(meta.get("name")) if isinstance(meta, dict) else ""


def discover(kube: KubeReader | None, namespaces: Iterable[str]) -> Workloads:
    """Pods and their workloads in ``namespaces``; failures become gaps, not errors."""
    found = Workloads()
    if kube is None:
        found.gaps.append("Kubernetes not configured: pods mapped to workloads by name shape")
        return found
    for namespace in sorted(namespaces):
        try:
            pods = kube.list_pods(namespace).get("items") or []
            sets = kube.list_replicasets(namespace).get("items") or []
        except BackendError as exc:
            found.gaps.append(f"pods of {namespace} unavailable ({exc}); mapped by name shape")
            continue
        replicasets = {_name(rs): _owner(rs) for rs in sets}
        for pod in pods:
            name = _name(pod)
            owner = _owner(pod)
            if owner is None:
                workload = name
            elif owner[0] == "ReplicaSet":
                parent = replicasets.get(owner[1])
                workload = parent[1] if parent else workload_of(name)
            else:
                workload = owner[1]
            found.pods[name] = workload
            found.names.add(workload)
    return found
