"""The recorded objects, indexed by type, namespace and name, as the API server would hold them.

Bundles are recorded from real clusters but may be trimmed or hand-written, so loading fills
what a real server always has: ``metadata.uid`` and ``metadata.resourceVersion`` (stable
synthetic values, so two replays of one bundle agree), a ``Namespace`` for every namespace an
object lives in, and the ``events.k8s.io/v1`` view of each core ``Event``. Secrets are dropped
even if a bundle carries one: the replay server must not be able to leak them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agent.replay.kubernetes.catalog import (
    DEFAULT_SERVER_VERSION,
    RESOURCE_TYPES,
    ResourceType,
    find_type,
    type_of_object,
)

_UID_NAMESPACE = uuid.UUID("6f1c3c4e-2b7a-4c1e-9a51-0d3c9a7e5b10")
_FIRST_SYNTHETIC_RV = 1000

Obj = dict[str, Any]


def _metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _micro_time(timestamp: Any) -> Any:
    """``2024-05-01T10:00:00Z`` → ``2024-05-01T10:00:00.000000Z`` (the MicroTime format)."""
    if isinstance(timestamp, str) and timestamp.endswith("Z") and "." not in timestamp:
        return timestamp[:-1] + ".000000Z"
    return timestamp


def to_events_v1(event: Mapping[str, Any]) -> Obj:
    """Convert a core/v1 ``Event`` to its ``events.k8s.io/v1`` form, as the API server does."""
    source = event.get("source") or {}
    converted: Obj = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": copy.deepcopy(_metadata(event)),
        # The server leaves eventTime null for events recorded through core/v1, but the Python
        # client's model requires it; the first timestamp is the truthful substitute.
        "eventTime": _micro_time(
            event.get("eventTime") or event.get("firstTimestamp") or event.get("lastTimestamp")
        ),
        "reportingController": event.get("reportingComponent") or source.get("component"),
        "reportingInstance": event.get("reportingInstance") or source.get("host"),
        "action": event.get("action"),
        "reason": event.get("reason"),
        "regarding": event.get("involvedObject"),
        "related": event.get("related"),
        "note": event.get("message"),
        "type": event.get("type"),
        "deprecatedSource": source or None,
        "deprecatedFirstTimestamp": event.get("firstTimestamp"),
        "deprecatedLastTimestamp": event.get("lastTimestamp"),
        "deprecatedCount": event.get("count"),
    }
    series = event.get("series")
    if isinstance(series, Mapping):
        converted["series"] = {
            "count": series.get("count"),
            "lastObservedTime": _micro_time(series.get("lastObservedTime")),
        }
    return {key: value for key, value in converted.items() if value is not None}


class ObjectStore:
    """Read-only access to a snapshot of cluster objects."""

    def __init__(self, objects: Iterable[Mapping[str, Any]]) -> None:
        self._objects: dict[ResourceType, list[Obj]] = {rtype: [] for rtype in RESOURCE_TYPES}
        for obj in objects:
            rtype = type_of_object(obj)
            if rtype is None or rtype.name == "secrets":
                continue
            self._objects[rtype].append(copy.deepcopy(dict(obj)))
        self._add_missing_namespaces()
        self._fill_identity()
        # Converted after identities are filled: both views of an event share uid and version.
        core_events = self._objects[_type("", "v1", "events")]
        self._objects[_type("events.k8s.io", "v1", "events")].extend(
            to_events_v1(event) for event in core_events
        )
        self.resource_version = str(max(self._numeric_versions(), default=1))

    def _add_missing_namespaces(self) -> None:
        # A real cluster cannot hold an object in a namespace that does not exist.
        namespaces = _type("", "v1", "namespaces")
        known = {_metadata(ns).get("name") for ns in self._objects[namespaces]}
        used = sorted(
            {
                str(_metadata(obj)["namespace"])
                for objs in self._objects.values()
                for obj in objs
                if _metadata(obj).get("namespace")
            }
        )
        for name in used:
            if name not in known:
                self._objects[namespaces].append(
                    {
                        "apiVersion": "v1",
                        "kind": "Namespace",
                        "metadata": {"name": name},
                        "status": {"phase": "Active"},
                    }
                )

    def _fill_identity(self) -> None:
        next_rv = _FIRST_SYNTHETIC_RV
        for rtype, objs in self._objects.items():
            for obj in objs:
                meta = obj.setdefault("metadata", {})
                meta.setdefault("name", "")
                if "uid" not in meta:
                    key = f"{rtype.api_version}/{rtype.kind}/{meta.get('namespace', '')}/{meta['name']}"
                    meta["uid"] = str(uuid.uuid5(_UID_NAMESPACE, key))
                if "resourceVersion" not in meta:
                    meta["resourceVersion"] = str(next_rv)
                    next_rv += 1

    def _numeric_versions(self) -> Iterable[int]:
        for objs in self._objects.values():
            for obj in objs:
                version = str(_metadata(obj).get("resourceVersion", ""))
                if version.isdigit():
                    yield int(version)

    def list_objects(self, rtype: ResourceType, namespace: str | None) -> list[Obj]:
        """Objects of ``rtype`` in ``namespace`` (every namespace when ``None``), by name."""
        objs = [
            obj
            for obj in self._objects[rtype]
            if namespace is None or _metadata(obj).get("namespace") == namespace
        ]
        return sorted(
            objs, key=lambda o: (_metadata(o).get("namespace", ""), o["metadata"]["name"])
        )

    def get_object(self, rtype: ResourceType, namespace: str | None, name: str) -> Obj | None:
        """The object of ``rtype`` called ``name`` (in ``namespace`` when namespaced)."""
        for obj in self._objects[rtype]:
            meta = _metadata(obj)
            if meta.get("name") == name and (
                namespace is None or meta.get("namespace") == namespace
            ):
                return obj
        return None

    def server_version(self) -> str:
        """The Kubernetes version the cluster ran, read from a node's kubelet version."""
        for node in self._objects[_type("", "v1", "nodes")]:
            version = (node.get("status") or {}).get("nodeInfo", {}).get("kubeletVersion")
            if isinstance(version, str) and version.startswith("v"):
                # Managed clusters append a vendor suffix (v1.29.4-eks-…); keep major.minor.patch.
                return version.split("-")[0].split("+")[0]
        return DEFAULT_SERVER_VERSION


def _type(group: str, version: str, name: str) -> ResourceType:
    rtype = find_type(group, version, name)
    if rtype is None:  # pragma: no cover - the catalogue is a constant
        raise LookupError(f"resource type {group}/{version}/{name} missing from the catalogue")
    return rtype


def list_body(rtype: ResourceType, items: Sequence[Mapping[str, Any]], version: str) -> Obj:
    """A ``<Kind>List`` response; like the real server, items carry no kind/apiVersion."""
    return {
        "kind": f"{rtype.kind}List",
        "apiVersion": rtype.api_version,
        "metadata": {"resourceVersion": version},
        "items": [
            {k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items
        ],
    }
