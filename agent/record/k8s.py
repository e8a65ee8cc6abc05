"""Record the scope's Kubernetes objects as multi-document ``k8s.yaml``. Never Secrets.

List responses omit each item's ``kind`` and ``apiVersion``; they are put back so the replay
can serve the objects. Values that may hold secrets are redacted before writing: ConfigMap
data, container env values, command lines (``--db-password=...`` and ``--token <value>``),
annotations (which often carry last-applied configurations) of objects and pod templates,
container termination and status messages, and event messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from agent.safety.keys import looks_secret_key
from agent.safety.redact import Redactor
from tools.clients import KubeReader

# (kind, apiVersion, list method) of every namespaced kind a bundle carries.
_NAMESPACED: tuple[tuple[str, str, str], ...] = (
    ("Pod", "v1", "list_pods"),
    ("Deployment", "apps/v1", "list_deployments"),
    ("ReplicaSet", "apps/v1", "list_replicasets"),
    ("StatefulSet", "apps/v1", "list_statefulsets"),
    ("DaemonSet", "apps/v1", "list_daemonsets"),
    ("Service", "v1", "list_services"),
    ("ConfigMap", "v1", "list_configmaps"),
    ("Event", "v1", "list_events"),
)


def _containers(obj: dict[str, Any]) -> Iterable[dict[str, Any]]:
    spec = obj.get("spec") or {}
    pod_spec = ((spec.get("template") or {}).get("spec")) or spec
    for key in ("containers", "initContainers", "ephemeralContainers"):
        yield from pod_spec.get(key) or []


def _container_statuses(obj: dict[str, Any]) -> Iterable[dict[str, Any]]:
    status = obj.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        yield from status.get(key) or []


def _redact_annotations(metadata: dict[str, Any], redactor: Redactor) -> None:
    if metadata.get("annotations"):
        metadata["annotations"] = {
            k: redactor.redact(str(v)) for k, v in metadata["annotations"].items()
        }


def redact_command_line(args: list[Any], redactor: Redactor) -> list[str]:
    """A container's ``command``/``args`` with flag values of secret-looking flags hidden.

    ``--db-password=x`` and ``--db-password x`` both hide ``x``; every other word still goes
    through the redactor's detectors.
    """
    words = [str(a) for a in args]
    out: list[str] = []
    hide_next = False
    for word in words:
        if hide_next and not word.startswith("-"):
            out.append(redactor.placeholder("SECRET", word))
            hide_next = False
            continue
        hide_next = False
        flag, equals, value = word.partition("=")
        if word.startswith("-") and looks_secret_key(flag.lstrip("-")):
            if equals:
                out.append(f"{flag}={redactor.placeholder('SECRET', value)}")
                continue
            hide_next = True
        out.append(redactor.redact(word))
    return out


def redact_object(obj: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """``obj`` with ConfigMap data, env values and annotations redacted (in place, returned)."""
    _redact_annotations(obj.get("metadata") or {}, redactor)
    _redact_annotations(
        ((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}, redactor
    )
    if obj.get("kind") == "ConfigMap":
        for key in ("data", "binaryData"):
            if obj.get(key):
                obj[key] = {
                    k: redactor.placeholder("SECRET", str(v))
                    if looks_secret_key(k)
                    else redactor.redact(str(v))
                    for k, v in obj[key].items()
                }
    for container in _containers(obj):
        for words in ("command", "args"):
            if isinstance(container.get(words), list):
                container[words] = redact_command_line(container[words], redactor)
        for env in container.get("env") or []:
            if "value" in env:
                value = str(env["value"])
                secret = looks_secret_key(str(env.get("name", "")))
                env["value"] = (
                    redactor.placeholder("SECRET", value) if secret else redactor.redact(value)
                )
    for container_status in _container_statuses(obj):
        for state in ("state", "lastState"):
            for detail in (container_status.get(state) or {}).values():
                if isinstance(detail, dict) and isinstance(detail.get("message"), str):
                    detail["message"] = redactor.redact(detail["message"])
    object_status = obj.get("status")
    if isinstance(object_status, dict):
        for holder in [object_status, *(object_status.get("conditions") or [])]:
            if isinstance(holder, dict) and isinstance(holder.get("message"), str):
                holder["message"] = redactor.redact(holder["message"])
    if obj.get("kind") == "Event" and isinstance(obj.get("message"), str):
        obj["message"] = redactor.redact(obj["message"])
    return obj


def _items(document: dict[str, Any], kind: str, api_version: str) -> list[dict[str, Any]]:
    items = [dict(item) for item in document.get("items") or [] if isinstance(item, dict)]
    return [{"apiVersion": api_version, "kind": kind, **item} for item in items]


def collect_objects(kube: KubeReader, namespaces: Iterable[str]) -> list[dict[str, Any]]:
    """Nodes, then each namespace with its objects, in a stable order."""
    objects = _items(kube.list_nodes(), "Node", "v1")
    for namespace in sorted(namespaces):
        ns = kube.read_namespace(namespace)
        objects.append({"apiVersion": "v1", "kind": "Namespace", **ns})
        for kind, api_version, method in _NAMESPACED:
            lister: Callable[[str], dict[str, Any]] = getattr(kube, method)
            objects.extend(_items(lister(namespace), kind, api_version))
    return objects


def record_k8s(kube: KubeReader, namespaces: Iterable[str], redactor: Redactor, out: Path) -> int:
    """Write ``out`` and return how many objects it holds."""
    objects = [redact_object(o, redactor) for o in collect_objects(kube, namespaces)]
    with out.open("w", encoding="utf-8") as handle:
        yaml.safe_dump_all(objects, handle, sort_keys=False, allow_unicode=True)
    return len(objects)
