"""The resource types the replay API server knows, and the discovery documents that list them.

Discovery is what clients read before anything else: ``kubectl`` maps ``pods``/``po``/``deploy``
to a group, version and scope from ``/api/v1`` and ``/apis/{group}/{version}``, so the table
here decides what ``kubectl get X`` can resolve. Secrets are listed (as a real cluster lists
them) so that clients resolve the name and then meet the 403 a read-only role gets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

READ_VERBS: tuple[str, ...] = ("get", "list", "watch")
DEFAULT_SERVER_VERSION = "v1.30.0"


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One served REST resource: where it lives, what it is called and how it is scoped."""

    group: str
    version: str
    name: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        """The ``apiVersion`` of objects of this type (``v1`` or ``apps/v1``)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        """The singular resource name clients may use (``pod``)."""
        return self.kind.lower()


_CORE = "v1"
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    ResourceType("", _CORE, "pods", "Pod", True, ("po",), ("all",)),
    ResourceType("", _CORE, "services", "Service", True, ("svc",), ("all",)),
    ResourceType("", _CORE, "configmaps", "ConfigMap", True, ("cm",)),
    ResourceType("", _CORE, "endpoints", "Endpoints", True, ("ep",)),
    ResourceType("", _CORE, "events", "Event", True, ("ev",)),
    ResourceType("", _CORE, "secrets", "Secret", True),
    ResourceType("", _CORE, "namespaces", "Namespace", False, ("ns",)),
    ResourceType("", _CORE, "nodes", "Node", False, ("no",)),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",), ("all",)),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), ("all",)),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), ("all",)),
    ResourceType("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), ("all",)),
    ResourceType("events.k8s.io", "v1", "events", "Event", True, ("ev",)),
    ResourceType(
        "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ("hpa",)
    ),
)

# Subresources a client may discover; only pods/log is actually served (read-only).
_SUBRESOURCES: Mapping[tuple[str, str], tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    ("", "pods"): (("log", "Pod", ("get",)),),
}

_GROUP_VERSIONS: tuple[tuple[str, str], ...] = (
    ("apps", "v1"),
    ("events.k8s.io", "v1"),
    ("autoscaling", "v2"),
)


def find_type(group: str, version: str, name: str) -> ResourceType | None:
    """Return the served type called ``name`` in ``group``/``version``, if there is one."""
    for rtype in RESOURCE_TYPES:
        if (rtype.group, rtype.version, rtype.name) == (group, version, name):
            return rtype
    return None


def type_of_object(obj: Mapping[str, Any]) -> ResourceType | None:
    """Return the type an object belongs to, from its ``apiVersion`` and ``kind``."""
    api_version = str(obj.get("apiVersion", ""))
    kind = obj.get("kind")
    for rtype in RESOURCE_TYPES:
        if rtype.api_version == api_version and rtype.kind == kind:
            return rtype
    return None


def is_served_group_version(group: str, version: str) -> bool:
    """Whether ``/api/v1`` (group ``""``) or ``/apis/{group}/{version}`` exists."""
    return (group, version) == ("", _CORE) or (group, version) in _GROUP_VERSIONS


def version_info(git_version: str) -> dict[str, str]:
    """The ``/version`` document for a server reporting ``git_version`` (``v1.30.2``)."""
    parts = git_version.lstrip("v").split(".")
    major = parts[0] if parts else "1"
    minor = parts[1] if len(parts) > 1 else "0"
    return {
        "major": major,
        "minor": minor,
        "gitVersion": git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "go1.22.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_versions(server_address: str) -> dict[str, Any]:
    """The ``/api`` document (``APIVersions``)."""
    return {
        "kind": "APIVersions",
        "versions": [_CORE],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def api_group_list() -> dict[str, Any]:
    """The ``/apis`` document (``APIGroupList``) for the non-core groups."""
    groups = []
    for group, version in _GROUP_VERSIONS:
        entry = {"groupVersion": f"{group}/{version}", "version": version}
        groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str) -> dict[str, Any] | None:
    """The ``/apis/{group}`` document (``APIGroup``), or ``None`` for an unknown group."""
    for doc in api_group_list()["groups"]:
        if doc["name"] == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **doc}
    return None


def api_resource_list(group: str, version: str) -> dict[str, Any]:
    """The ``APIResourceList`` of one served group/version."""
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": list(_resource_entries(t for t in RESOURCE_TYPES if t.group == group)),
    }


def _resource_entries(types: Iterable[ResourceType]) -> Iterable[dict[str, Any]]:
    for rtype in types:
        entry: dict[str, Any] = {
            "name": rtype.name,
            "singularName": rtype.singular,
            "namespaced": rtype.namespaced,
            "kind": rtype.kind,
            "verbs": list(READ_VERBS),
        }
        if rtype.short_names:
            entry["shortNames"] = list(rtype.short_names)
        if rtype.categories:
            entry["categories"] = list(rtype.categories)
        yield entry
        for sub, kind, verbs in _SUBRESOURCES.get((rtype.group, rtype.name), ()):
            yield {
                "name": f"{rtype.name}/{sub}",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "kind": kind,
                "verbs": list(verbs),
            }
