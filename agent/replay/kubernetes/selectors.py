"""Label and field selectors, parsed and matched as the Kubernetes API server does.

Label selectors support ``=``, ``==``, ``!=``, ``in``, ``notin``, ``key`` (exists) and ``!key``;
field selectors support ``=``, ``==`` and ``!=`` over the fields each resource type indexes.
The API server rejects any other field with ``field label not supported: X``, and so do we, so
that the agent learns the same lesson here as against a real cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agent.replay.kubernetes.catalog import ResourceType
from agent.replay.kubernetes.status import bad_request

_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"[A-Za-z0-9_.\-]*"
_NOT_EXISTS = re.compile(rf"^!\s*({_KEY})$")
_EXISTS = re.compile(rf"^({_KEY})$")
_EQUALITY = re.compile(rf"^({_KEY})\s*(==|!=|=)\s*({_VALUE})$")
_SET = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(([^()]*)\)$")
_FIELD = re.compile(r"^([A-Za-z.]+)\s*(==|!=|=)(.*)$")

_INVOLVED = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
_COMMON_FIELDS: Mapping[str, tuple[str, ...]] = {
    "metadata.name": ("metadata", "name"),
    "metadata.namespace": ("metadata", "namespace"),
}
# Per type, the field selectors the API server accepts and where each value is read from.
_TYPE_FIELDS: Mapping[tuple[str, str], Mapping[str, tuple[str, ...]]] = {
    ("", "pods"): {
        "spec.nodeName": ("spec", "nodeName"),
        "spec.restartPolicy": ("spec", "restartPolicy"),
        "spec.schedulerName": ("spec", "schedulerName"),
        "spec.serviceAccountName": ("spec", "serviceAccountName"),
        "spec.hostNetwork": ("spec", "hostNetwork"),
        "status.phase": ("status", "phase"),
        "status.podIP": ("status", "podIP"),
        "status.nominatedNodeName": ("status", "nominatedNodeName"),
    },
    ("", "events"): {
        **{f"involvedObject.{f}": ("involvedObject", f) for f in _INVOLVED},
        "reason": ("reason",),
        "reportingComponent": ("reportingComponent",),
        "source": ("source", "component"),
        "type": ("type",),
    },
    ("events.k8s.io", "events"): {
        **{f"regarding.{f}": ("regarding", f) for f in _INVOLVED},
        "reason": ("reason",),
        "reportingController": ("reportingController",),
        "type": ("type",),
    },
    ("", "nodes"): {"spec.unschedulable": ("spec", "unschedulable")},
    ("", "namespaces"): {"status.phase": ("status", "phase")},
    ("apps", "replicasets"): {"status.replicas": ("status", "replicas")},
}

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class _LabelRequirement:
    key: str
    operator: str  # one of: exists, !exists, =, !=, in, notin
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        # != and notin match objects that lack the label, as upstream does.
        return not present or labels[self.key] not in self.values


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses (``a in (x,y),b`` is two requirements)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current.append(char)
    parts.append("".join(current))
    return parts


def _parse_requirement(text: str) -> _LabelRequirement:
    req = text.strip()
    if match := _NOT_EXISTS.match(req):
        return _LabelRequirement(match[1], "!exists", frozenset())
    if match := _EXISTS.match(req):
        return _LabelRequirement(match[1], "exists", frozenset())
    if match := _EQUALITY.match(req):
        operator = "!=" if match[2] == "!=" else "="
        return _LabelRequirement(match[1], operator, frozenset({match[3]}))
    if match := _SET.match(req):
        values = frozenset(v.strip() for v in match[3].split(","))
        if not all(re.fullmatch(_VALUE, v) for v in values):
            raise bad_request(f"unable to parse requirement: invalid value in {req!r}")
        return _LabelRequirement(match[1], match[2], values)
    raise bad_request(f"unable to parse requirement: {req!r} is not a valid label selector")


def parse_label_selector(text: str) -> Predicate:
    """Return a predicate over objects for a ``labelSelector`` (empty selects everything).

    Raises:
        ApiStatusError: 400 when the selector does not parse.
    """
    if not text.strip():
        return lambda _obj: True
    requirements = [_parse_requirement(part) for part in _split_top_level(text)]

    def matches(obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(r.matches(labels) for r in requirements)

    return matches


def _field_value(obj: Mapping[str, Any], path: tuple[str, ...]) -> str:
    value: Any = obj
    for step in path:
        value = value.get(step) if isinstance(value, Mapping) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_field_selector(text: str, rtype: ResourceType) -> Predicate:
    """Return a predicate over objects of ``rtype`` for a ``fieldSelector``.

    Raises:
        ApiStatusError: 400 for a malformed term or a field the type does not index.
    """
    fields = {**_COMMON_FIELDS, **_TYPE_FIELDS.get((rtype.group, rtype.name), {})}
    terms: list[tuple[tuple[str, ...], bool, str]] = []
    for raw in text.split(",") if text.strip() else []:
        match = _FIELD.match(raw.strip())
        if match is None:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{raw}'")
        field, operator, value = match[1], match[2], match[3].strip()
        if field not in fields:
            raise bad_request(f"field label not supported: {field}")
        terms.append((fields[field], operator != "!=", value))

    def matches(obj: Mapping[str, Any]) -> bool:
        return all((_field_value(obj, path) == value) == equal for path, equal, value in terms)

    return matches
