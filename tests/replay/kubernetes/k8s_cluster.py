"""A small recorded cluster (shop + payments) for the Kubernetes replay tests."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.bundle.model import LogRecord

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
DEPLOY_UID = "9d1f0b52-6a55-4a8e-9d0c-1b1c1f0e0001"
CRASHING_POD = "checkout-7b9c5d-x2k9p"
HEALTHY_POD = "checkout-6d4f8a-q7wzt"

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


def kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``kubectl`` against ``kubeconfig``, its discovery cache beside it."""
    assert KUBECTL is not None
    command = [
        KUBECTL,
        "--kubeconfig",
        str(kubeconfig),
        "--cache-dir",
        str(kubeconfig.parent / "cache"),
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


def _ts(delta: timedelta) -> str:
    return (NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta(name: str, namespace: str | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "creationTimestamp": _ts(timedelta(days=-3))}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def _template(image: str, hash_: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "checkout", "pod-template-hash": hash_}},
        "spec": {"containers": [{"name": "checkout", "image": image}]},
    }


def _replicaset(hash_: str, revision: str, image: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            f"checkout-{hash_}",
            "shop",
            labels={"app": "checkout", "pod-template-hash": hash_},
            annotations={"deployment.kubernetes.io/revision": revision},
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "checkout",
                    "uid": DEPLOY_UID,
                    "controller": True,
                }
            ],
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "checkout", "pod-template-hash": hash_}},
            "template": _template(image, hash_),
        },
        "status": {"replicas": replicas, "readyReplicas": replicas},
    }


def _pod(name: str, hash_: str, image: str, crashing: bool) -> dict[str, Any]:
    containers = [
        {"name": "checkout", "image": image, "resources": {"limits": {"memory": "256Mi"}}}
    ]
    statuses: list[dict[str, Any]] = []
    if crashing:
        containers.append({"name": "istio-proxy", "image": "istio/proxyv2:1.21.0"})
        statuses = [
            {
                "name": "checkout",
                "image": image,
                "imageID": "",
                "ready": False,
                "restartCount": 7,
                "started": False,
                "state": {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 5m0s restarting failed container",
                    }
                },
                "lastState": {
                    "terminated": {
                        "reason": "OOMKilled",
                        "exitCode": 137,
                        "startedAt": _ts(timedelta(minutes=-6)),
                        "finishedAt": _ts(timedelta(minutes=-5)),
                    }
                },
            },
            {
                "name": "istio-proxy",
                "image": "istio/proxyv2:1.21.0",
                "imageID": "",
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": _ts(timedelta(hours=-1))}},
            },
        ]
    else:
        statuses = [
            {
                "name": "checkout",
                "image": image,
                "imageID": "",
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": _ts(timedelta(days=-2))}},
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(
            name,
            "shop",
            labels={"app": "checkout", "pod-template-hash": hash_},
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"checkout-{hash_}",
                    "uid": f"rs-{hash_}",
                    "controller": True,
                }
            ],
        ),
        "spec": {"nodeName": "node-a", "containers": containers, "restartPolicy": "Always"},
        "status": {"phase": "Running", "podIP": "10.0.0.12", "containerStatuses": statuses},
    }


def _event(
    name: str, involved: dict[str, Any], reason: str, message: str, type_: str, count: int
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(name, "shop"),
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": _ts(timedelta(minutes=-30)),
        "lastTimestamp": _ts(timedelta(minutes=-1)),
        "source": {"component": "kubelet", "host": "node-a"},
    }


_NODE_INFO = {
    "architecture": "amd64",
    "bootID": "b",
    "containerRuntimeVersion": "containerd://1.7.11",
    "kernelVersion": "5.10.210",
    "kubeProxyVersion": "v1.29.4-eks-036c24b",
    "kubeletVersion": "v1.29.4-eks-036c24b",
    "machineID": "m",
    "operatingSystem": "linux",
    "osImage": "Amazon Linux 2",
    "systemUUID": "s",
}


def cluster_objects() -> list[dict[str, Any]]:
    """A namespace, a deployment mid-rollout with two revisions, its pods, and warnings."""
    crashing_ref = {
        "kind": "Pod",
        "namespace": "shop",
        "name": CRASHING_POD,
        "apiVersion": "v1",
        "uid": "pod-uid-crashing",
    }
    crashing = _pod(CRASHING_POD, "7b9c5d", "shop/checkout:1.5.0", crashing=True)
    crashing["metadata"]["uid"] = "pod-uid-crashing"
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": _meta("shop"),
            "status": {"phase": "Active"},
        },
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": _meta("node-a", labels={"kubernetes.io/hostname": "node-a"}),
            "spec": {},
            "status": {"nodeInfo": _NODE_INFO, "conditions": [{"type": "Ready", "status": "True"}]},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(
                "checkout",
                "shop",
                uid=DEPLOY_UID,
                generation=4,
                labels={"app": "checkout"},
                annotations={"deployment.kubernetes.io/revision": "2"},
            ),
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "checkout"}},
                "template": _template("shop/checkout:1.5.0", "7b9c5d"),
            },
            "status": {
                "observedGeneration": 4,
                "replicas": 2,
                "updatedReplicas": 1,
                "readyReplicas": 1,
                "unavailableReplicas": 1,
                "conditions": [
                    {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
                ],
            },
        },
        _replicaset("6d4f8a", "1", "shop/checkout:1.4.2", 1),
        _replicaset("7b9c5d", "2", "shop/checkout:1.5.0", 1),
        crashing,
        _pod(HEALTHY_POD, "6d4f8a", "shop/checkout:1.4.2", crashing=False),
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": _meta("ledger-0", "payments", labels={"app": "ledger"}),
            "spec": {"nodeName": "node-b", "containers": [{"name": "ledger", "image": "ledger:3"}]},
            "status": {"phase": "Pending"},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta("checkout", "shop"),
            "spec": {
                "selector": {"app": "checkout"},
                "ports": [{"port": 80, "targetPort": 8080}],
                "clusterIP": "10.96.0.20",
                "type": "ClusterIP",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("checkout-config", "shop"),
            "data": {"CACHE_SIZE_MB": "512"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta("db-password", "shop"),
            "data": {"password": "aHVudGVyMg=="},
        },
        _event(
            "checkout.backoff",
            crashing_ref,
            "BackOff",
            "Back-off restarting failed container checkout",
            "Warning",
            42,
        ),
        _event(
            "checkout.oom",
            {**crashing_ref, "fieldPath": "spec.containers{checkout}"},
            "OOMKilling",
            "Memory cgroup out of memory: Killed process 4242",
            "Warning",
            7,
        ),
        _event(
            "checkout.scaled",
            {
                "kind": "Deployment",
                "namespace": "shop",
                "name": "checkout",
                "apiVersion": "apps/v1",
                "uid": DEPLOY_UID,
            },
            "ScalingReplicaSet",
            "Scaled up replica set checkout-7b9c5d to 1",
            "Normal",
            1,
        ),
    ]


def _record(
    minutes: float, line: str, container: str = "checkout", previous: bool = False
) -> LogRecord:
    labels = {"namespace": "shop", "pod": CRASHING_POD, "container": container}
    if previous:
        labels["previous"] = "true"
    ts = NOW + timedelta(minutes=minutes)
    return LogRecord(int(ts.timestamp()) * 1_000_000_000 + 500, labels, line)


def pod_logs() -> list[LogRecord]:
    """The crashing pod's logs: a previous (OOM-killed) instance, the current one, a sidecar."""
    return [
        _record(-6, "starting checkout 1.5.0", previous=True),
        _record(-5.5, "loading catalogue into memory", previous=True),
        _record(-20, "GET /cart 200", container="istio-proxy"),
        _record(-4, "starting checkout 1.5.0"),
        _record(-3, "cache warm-up: 412MB"),
        _record(-1, "cache warm-up: 498MB"),
        _record(5, "written after the investigation moment"),
        LogRecord(1, {"app": "unrelated"}, "not a pod log"),
    ]
