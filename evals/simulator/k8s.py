"""Kubernetes objects as the API server returns them at ``now`` (Events in ``k8s_events``)."""

from __future__ import annotations

import random
from typing import Any

from evals.simulator.k8s_nodes import displaced_pod, node_object
from evals.simulator.lifecycle import Cluster, Pod, Revision, new_uid
from evals.simulator.timefmt import rfc3339
from evals.simulator.world import Workload

Obj = dict[str, Any]


class ObjectFactory:
    """Builds objects with deterministic uids and resourceVersions."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.rng = random.Random(f"{cluster.scenario.seed}/k8s")
        self.version = 48_000_000 + self.rng.randrange(1_000_000)

    def meta(
        self,
        name: str,
        namespace: str | None,
        created: float,
        updated: float,
        labels: dict[str, str] | None = None,
        uid: str | None = None,
        owner: tuple[str, str, str] | None = None,
        manager: str = "kubectl",
        annotations: dict[str, str] | None = None,
    ) -> Obj:
        """Object metadata; ``owner`` is (kind, name, uid), ``updated`` the last write."""
        self.version += self.rng.randint(1, 400)
        meta: Obj = {"name": name}
        if namespace:
            meta["namespace"] = namespace
        meta.update(
            uid=uid or new_uid(self.rng),
            resourceVersion=str(self.version),
            creationTimestamp=rfc3339(created),
            labels=labels or {},
        )
        if annotations:
            meta["annotations"] = annotations
        if owner:
            api = "v1" if owner[0] == "Node" else "apps/v1"
            meta["ownerReferences"] = [
                {
                    "apiVersion": api,
                    "kind": owner[0],
                    "name": owner[1],
                    "uid": owner[2],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ]
        meta["managedFields"] = [
            {
                "manager": manager,
                "operation": "Update",
                "apiVersion": "v1",
                "time": rfc3339(updated),
                "fieldsType": "FieldsV1",
                "fieldsV1": {},
            }
        ]
        return meta


def container(
    wl: Workload,
    image: str,
    env: tuple[tuple[str, str], ...],
    memory_limit_mi: int,
) -> Obj:
    """The single main container of a workload's pod template."""
    return {
        "name": wl.name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": wl.port, "protocol": "TCP"}],
        "env": [{"name": k, "value": v} for k, v in env],
        "resources": {
            "limits": {
                "cpu": f"{int(wl.cpu_limit_cores * 1000)}m",
                "memory": f"{memory_limit_mi}Mi",
            },
            "requests": {
                "cpu": f"{int(wl.cpu_cores * 1000)}m",
                "memory": f"{round(wl.memory_mi * 1.1)}Mi",
            },
        },
        "readinessProbe": {"httpGet": {"path": "/ready", "port": wl.port}, "periodSeconds": 5},
    }


def template(wl: Workload, rev: Revision) -> Obj:
    """A pod template of one revision."""
    labels = {"app": wl.name}
    if wl.kind == "Deployment":
        labels["pod-template-hash"] = rev.template_hash
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [container(wl, rev.image, rev.env, rev.memory_limit_mi)]},
    }


def _state(pod: Pod, now: float) -> tuple[Obj, Obj, bool]:
    """(state, lastState, ready) of the pod's container at ``now``."""
    run = pod.run_at(now)
    last = pod.last_termination(now)
    last_state: Obj = {}
    if last is not None and last.end is not None:
        last_state = {
            "terminated": {
                "reason": last.reason,
                "exitCode": last.exit_code,
                "startedAt": rfc3339(last.start),
                "finishedAt": rfc3339(last.end),
            }
        }
    if run is None:
        reason = "CrashLoopBackOff" if last else "ContainerCreating"
        waiting: Obj = {"reason": reason}
        if last:
            waiting["message"] = (
                f"back-off restarting failed container={pod.workload.name} "
                f"pod={pod.name}_{pod.workload.namespace}({pod.uid})"
            )
        return {"waiting": waiting}, last_state, False
    return {"running": {"startedAt": rfc3339(run.start)}}, last_state, pod.ready(now)


def pod_object(f: ObjectFactory, pod: Pod) -> Obj:
    """A pod as the API returns it at ``now``."""
    now = f.cluster.scenario.now
    wl = pod.workload
    if wl.kind == "Deployment":
        owner = ("ReplicaSet", f"{wl.name}-{pod.revision.template_hash}", pod.revision.uid)
    else:
        owner = (wl.kind, wl.name, f.cluster.uids[wl.name])
    state, last_state, ready = _state(pod, now)
    started = pod.runs[0].start if pod.runs else pod.created
    conds = [
        ("PodScheduled", True, pod.created),
        ("Initialized", True, pod.created + 1),
        ("ContainersReady", ready, pod.runs[-1].start if pod.runs else pod.created),
        ("Ready", ready, pod.runs[-1].start if pod.runs else pod.created),
    ]
    status_obj: Obj = {
        "phase": "Running" if pod.runs else "Pending",
        "conditions": [
            {"type": c, "status": str(ok), "lastTransitionTime": rfc3339(at)} for c, ok, at in conds
        ],
        "hostIP": f"10.20.{f.cluster.scenario.world.nodes.index(pod.node) + 1}.10"
        if pod.node
        else "",
        "podIP": pod.ip,
        "startTime": rfc3339(started),
        "containerStatuses": [
            {
                "name": wl.name,
                "ready": ready,
                "restartCount": pod.restarts_at(now),
                "image": pod.revision.image,
                "imageID": f"{pod.revision.image.split(':')[0]}@sha256:"
                f"{random.Random(pod.revision.image).getrandbits(256):064x}",
                "started": "running" in state,
                "state": state,
                "lastState": last_state,
            }
        ],
        "qosClass": "Burstable",
    }
    tpl = template(wl, pod.revision)
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": f.meta(
            pod.name,
            wl.namespace,
            pod.created,
            pod.runs[-1].start if pod.runs else pod.created,
            tpl["metadata"]["labels"],
            pod.uid,
            owner,
            "kubelet",
        ),
        "spec": {
            **tpl["spec"],
            "nodeName": pod.node,
            "restartPolicy": "Always",
            "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30,
        },
        "status": status_obj,
    }
    return displaced_pod(f, pod, obj) if pod.evicted is not None or not pod.node else obj


def workload_objects(f: ObjectFactory, wl: Workload) -> list[Obj]:
    """The workload, and for a Deployment one ReplicaSet per revision."""
    cl = f.cluster
    now = cl.scenario.now
    revs = cl.revisions[wl.name]
    cur = revs[-1]
    pods = [p for p in cl.pods_of(wl.name) if p.alive(now) and p.evicted is None]
    ready = sum(1 for p in pods if p.ready(now))
    desired = cl.desired(wl.name, now)
    kind_api = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1"}
    annotations = (
        {"deployment.kubernetes.io/revision": str(cur.number)}
        if (wl.kind == "Deployment")
        else None
    )
    spec: Obj = {"selector": {"matchLabels": {"app": wl.name}}, "template": template(wl, cur)}
    if wl.kind != "DaemonSet":
        spec["replicas"] = desired
    if wl.kind == "Deployment":
        spec["strategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        }
        spec["revisionHistoryLimit"] = 10
    status: Obj = {
        "observedGeneration": cur.number,
        "replicas": len(pods),
        "readyReplicas": ready,
        "updatedReplicas": len(pods),
    }
    if wl.kind == "Deployment":
        rolled = max(p.created for p in pods) if pods else cur.created
        status["availableReplicas"] = ready
        status["conditions"] = [
            {
                "type": "Available",
                "status": str(ready >= desired),
                "reason": "MinimumReplicasAvailable"
                if ready >= desired
                else "MinimumReplicasUnavailable",
                "lastUpdateTime": rfc3339(rolled),
                "lastTransitionTime": rfc3339(rolled),
            },
            {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
                "message": f'ReplicaSet "{wl.name}-{cur.template_hash}" has successfully progressed.',
                "lastUpdateTime": rfc3339(rolled + 15),
                "lastTransitionTime": rfc3339(revs[0].created),
            },
        ]
    if wl.kind == "DaemonSet":
        status = {
            "desiredNumberScheduled": len(pods),
            "currentNumberScheduled": len(pods),
            "numberReady": ready,
            "updatedNumberScheduled": len(pods),
        }
    out = [
        {
            "apiVersion": kind_api[wl.kind],
            "kind": wl.kind,
            "metadata": f.meta(
                wl.name,
                wl.namespace,
                revs[0].created - 86400,
                cur.created,
                {"app": wl.name, "team": wl.team},
                cl.uids[wl.name],
                manager="argocd-controller",
                annotations=annotations,
            ),
            "spec": spec,
            "status": status,
        }
    ]
    if wl.kind == "Deployment":
        for rev in revs:
            n = desired if rev is cur else 0
            rs_ann = {
                "deployment.kubernetes.io/revision": str(rev.number),
                "deployment.kubernetes.io/desired-replicas": str(desired),
            }
            if rev.change_cause:
                rs_ann["kubernetes.io/change-cause"] = rev.change_cause
            out.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": f.meta(
                        f"{wl.name}-{rev.template_hash}",
                        wl.namespace,
                        rev.created,
                        rev.created + 60 if n == 0 else now - 30,
                        template(wl, rev)["metadata"]["labels"],
                        rev.uid,
                        ("Deployment", wl.name, cl.uids[wl.name]),
                        "kube-controller-manager",
                        rs_ann,
                    ),
                    "spec": {
                        "replicas": n,
                        "selector": {"matchLabels": template(wl, rev)["metadata"]["labels"]},
                        "template": template(wl, rev),
                    },
                    "status": {
                        "replicas": n,
                        "readyReplicas": ready if n else 0,
                        "availableReplicas": ready if n else 0,
                    },
                }
            )
    return out


def cluster_objects(f: ObjectFactory) -> list[Obj]:
    """Namespaces, Nodes, workloads, ReplicaSets, Pods, Services and ConfigMaps at ``now``."""
    scn = f.cluster.scenario
    world = scn.world
    old = scn.now - 180 * 86400
    out: list[Obj] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": f.meta(ns, None, old, old, {"kubernetes.io/metadata.name": ns}),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }
        for ns in ("shop", "data", "monitoring", "kube-system")
    ]
    out += [node_object(f, i, node, old + i * 600) for i, node in enumerate(world.nodes)]
    for wl in world.workloads:
        out.extend(workload_objects(f, wl))
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": f.meta(wl.name, wl.namespace, old, old, {"app": wl.name}),
                "spec": {
                    "type": "ClusterIP",
                    "selector": {"app": wl.name},
                    "ports": [
                        {
                            "port": wl.port,
                            "targetPort": wl.port,
                            "protocol": "UDP" if wl.port == 53 else "TCP",
                        }
                    ],
                },
            }
        )
    for pod in f.cluster.pods:
        if pod.alive(scn.now):
            out.append(pod_object(f, pod))
    configs = {
        ("shop", "api-gateway-routes"): {"routes.yaml": "timeoutSeconds: 5\nretries: 1\n"},
        ("data", "orders-db-config"): {
            "postgresql.conf": "max_connections = 100\nshared_buffers = 1GB\n"
        },
        ("shop", "frontend-config"): {"FEATURE_NEW_NAV": "true", "CDN_HOST": "cdn.shop.example"},
    }
    for (ns, name), data in configs.items():
        out.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": f.meta(name, ns, old, old + 90 * 86400),
                "data": data,
            }
        )
    return out
