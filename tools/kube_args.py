"""Validated Kubernetes tool arguments: object names, label selectors, kinds, field selectors.

Everything the model puts in a Kubernetes tool call ends up in an API path or a query
parameter, so it is checked against the API server's own grammar before anything is sent:

- names follow DNS-1123 (``KubeName``: subdomain; ``NamespaceName``: label);
- a label selector is parsed requirement by requirement (``key``, ``!key``, ``key=value``,
  ``key==value``, ``key!=value``, ``key in (a,b)``, ``key notin (a,b)``) and re-rendered in
  canonical form, so what is sent is exactly what was parsed;
- event kinds come from a fixed list of kinds that events are about;
- field selectors are built only by ``field_selector`` from an allowlist of fields whose values
  were validated.

A value that fails raises ``ValueError`` inside pydantic validation, which the dispatcher hands
back to the model as a correctable ``args.invalid`` error. Messages describe the rule broken,
never echo the value (it may carry something the model copied from telemetry).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(rf"{_LABEL}")
_DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
# A label key's name part and a label value: alphanumerics with -, _ and . inside.
_QUALIFIED = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_SET_OPERATORS = ("notin", "in")
_MAX_REQUIREMENTS = 20


def _matching(value: str, pattern: re.Pattern[str], limit: int, rule: str) -> str:
    if len(value) > limit or not pattern.fullmatch(value):
        raise ValueError(f"{rule}, at most {limit} characters)")
    return value


def dns1123_subdomain(value: str) -> str:
    """``value`` if it is a DNS-1123 subdomain (the name of most Kubernetes objects).

    Raises:
        ValueError: it is not.
    """
    return _matching(
        value,
        _DNS1123_SUBDOMAIN,
        253,
        "not a Kubernetes object name (DNS-1123: lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit",
    )


def dns1123_label(value: str) -> str:
    """``value`` if it is a DNS-1123 label (a namespace name).

    Raises:
        ValueError: it is not.
    """
    return _matching(
        value,
        _DNS1123_LABEL,
        63,
        "not a namespace name (DNS-1123 label: lowercase letters, digits and '-', "
        "starting and ending with a letter or digit",
    )


def _label_key(key: str) -> str:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        raise ValueError(
            "a label key's prefix must be a DNS-1123 subdomain (e.g. app.kubernetes.io)"
        )
    if not name or len(name) > 63 or not _QUALIFIED.fullmatch(name):
        raise ValueError(
            "a label key must be letters, digits, '-', '_' or '.', starting and ending with a "
            "letter or digit, at most 63 characters (optionally prefix/name)"
        )
    return key


def _label_value(value: str) -> str:
    if value and (len(value) > 63 or not _QUALIFIED.fullmatch(value)):
        raise ValueError(
            "a label value must be empty or letters, digits, '-', '_' or '.', starting and "
            "ending with a letter or digit, at most 63 characters"
        )
    return value


def _split_requirements(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced ')' in the label selector")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth != 0:
        raise ValueError("unbalanced '(' in the label selector")
    parts.append(current)
    return [p.strip() for p in parts]


def _requirement(text: str) -> str:
    if not text:
        raise ValueError("empty requirement in the label selector (a stray comma?)")
    if text.startswith("!"):
        return "!" + _label_key(text[1:].strip())
    for operator in ("==", "!=", "="):
        key, found, value = text.partition(operator)
        if found:
            symbol = "=" if operator == "==" else operator
            return f"{_label_key(key.strip())}{symbol}{_label_value(value.strip())}"
    words = text.split(None, 1)
    if len(words) == 2:
        key, rest = words
        for operator in _SET_OPERATORS:
            if rest.startswith(operator):
                values = rest[len(operator) :].strip()
                if not (values.startswith("(") and values.endswith(")")):
                    raise ValueError(
                        f"'{operator}' needs a parenthesised list: key {operator} (a,b)"
                    )
                items = [_label_value(v.strip()) for v in values[1:-1].split(",")]
                if not any(items):
                    raise ValueError(f"'{operator}' needs at least one value")
                return f"{_label_key(key)} {operator} ({','.join(sorted(set(items)))})"
        raise ValueError(
            "each requirement must be key, !key, key=value, key!=value, key in (a,b) or "
            "key notin (a,b)"
        )
    return _label_key(text)


def label_selector(value: str) -> str:
    """``value`` parsed as a Kubernetes label selector and rendered in canonical form.

    Raises:
        ValueError: it is not a valid equality- or set-based label selector.
    """
    if not value.strip():
        raise ValueError("the label selector is empty")
    requirements = _split_requirements(value)
    if len(requirements) > _MAX_REQUIREMENTS:
        raise ValueError(f"a label selector may have at most {_MAX_REQUIREMENTS} requirements")
    rendered = []
    for number, requirement in enumerate(requirements, 1):
        try:
            rendered.append(_requirement(requirement))
        except ValueError as exc:
            raise ValueError(f"label selector requirement {number}: {exc}") from None
    return ",".join(rendered)


# Kinds that Kubernetes events are reported about and that an investigation reads. Secrets
# and RBAC objects are deliberately absent.
EventKind = Literal[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Node",
    "Service",
    "Endpoints",
    "EndpointSlice",
    "Ingress",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "ConfigMap",
    "Namespace",
]
EventType = Literal["Warning", "Normal"]

KubeName = Annotated[str, AfterValidator(dns1123_subdomain)]
NamespaceName = Annotated[str, AfterValidator(dns1123_label)]
LabelSelector = Annotated[str, AfterValidator(label_selector)]

_KINDS = frozenset(get_args(EventKind))
_TYPES = frozenset(get_args(EventType))


def _one_of(allowed: frozenset[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"not an allowed {what}; allowed: {', '.join(sorted(allowed))}")
        return value

    return check


# Field selectors the tools may send, each with the check its value must pass.
_FIELDS: dict[str, Callable[[str], str]] = {
    "involvedObject.name": dns1123_subdomain,
    "involvedObject.kind": _one_of(_KINDS, "event kind"),
    "type": _one_of(_TYPES, "event type"),
}


def field_selector(fields: Mapping[str, str | None]) -> str | None:
    """A field selector from allowlisted fields whose values pass their checks.

    Unset (``None``) fields are left out; no fields at all gives ``None``.

    Raises:
        ValueError: a field is not allowlisted or its value fails the field's check.
    """
    parts = []
    for name, value in fields.items():
        if value is None:
            continue
        check = _FIELDS.get(name)
        if check is None:
            raise ValueError(f"field selector {name!r} is not allowed")
        parts.append(f"{name}={check(value)}")
    return ",".join(parts) or None
