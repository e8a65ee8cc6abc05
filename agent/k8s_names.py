"""Kubernetes object-name conventions: telling pod names from workload names.

Generated name parts use Kubernetes' ``SafeEncodeString`` alphabet (no vowels, no 0/1/3),
which keeps words such as ``exporter`` or ``cache`` from being mistaken for hashes.
"""

from __future__ import annotations

import re

_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
# Deployment pods: <deployment>-<pod-template-hash>-<5 char suffix>.
_DEPLOYMENT_POD = re.compile(rf"^(?P<workload>[a-z0-9][a-z0-9-]*?)-{_SAFE}{{5,10}}-{_SAFE}{{5}}$")
# DaemonSet (and bare ReplicaSet) pods: <workload>-<5 char suffix with a digit>.
_SUFFIXED_POD = re.compile(rf"^(?P<workload>[a-z0-9][a-z0-9-]*?)-(?=[a-z]*\d){_SAFE}{{5}}$")
# StatefulSet pods: <statefulset>-<ordinal>.
_STATEFULSET_POD = re.compile(r"^(?P<workload>[a-z0-9][a-z0-9-]*?)-\d{1,3}$")


def looks_like_pod_name(name: str) -> bool:
    """Whether ``name`` has the shape of a Deployment's pod (``web-7d9f8b6c5-x2k4j``).

    Case-insensitive: a model that upper-cases a pod name still named a pod.
    """
    return _DEPLOYMENT_POD.match(name.lower()) is not None


def workload_of(name: str) -> str:
    """The workload a pod name belongs to (Deployment, DaemonSet or StatefulSet form)."""
    for pattern in (_DEPLOYMENT_POD, _SUFFIXED_POD, _STATEFULSET_POD):
        match = pattern.match(name)
        if match is not None:
            return match["workload"]
    return name
