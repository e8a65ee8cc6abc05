"""Scope trace reads to the investigation's namespaces, as logs and metrics are scoped.

Spans carry their namespace in the OpenTelemetry resource attribute ``k8s.namespace.name``
(set by the SDK's Kubernetes resource detector or the collector's ``k8sattributes``
processor). A search gets a TraceQL term on it, so Tempo only returns traces with matching
spans in scope; a trace fetched by id keeps only the resource batches whose namespace is in
scope. A span without the attribute cannot be shown to be in scope, so it is withheld too
(deny by default), and the result says how many were withheld and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .summarise.spans import attributes

NAMESPACE_ATTRIBUTE = "k8s.namespace.name"


def quote(value: str) -> str:
    """A TraceQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def namespace_term(namespaces: frozenset[str]) -> str:
    """The TraceQL condition ``resource.k8s.namespace.name`` ∈ ``namespaces``.

    Raises:
        ValueError: no namespace is in scope (nothing may be read).
    """
    if not namespaces:
        raise ValueError("no namespace is in this investigation's scope")
    terms = [f"resource.{NAMESPACE_ATTRIBUTE}={quote(n)}" for n in sorted(namespaces)]
    return terms[0] if len(terms) == 1 else "(" + " || ".join(terms) + ")"


@dataclass(frozen=True, slots=True)
class Scoped:
    """A trace body cut to the in-scope batches, with what was withheld."""

    body: dict[str, Any]
    withheld_spans: int
    unlabelled_spans: int

    def note(self, namespaces: frozenset[str]) -> str | None:
        """What was withheld, for the model and the report; ``None`` when nothing was."""
        if not self.withheld_spans:
            return None
        note = (
            f"{self.withheld_spans} spans outside the investigation's namespaces "
            f"({', '.join(sorted(namespaces))}) were withheld"
        )
        if self.unlabelled_spans:
            note += (
                f"; {self.unlabelled_spans} of them carry no {NAMESPACE_ATTRIBUTE} resource "
                "attribute (add the collector's k8sattributes processor to scope them)"
            )
        return note


def _span_count(batch: Mapping[str, Any]) -> int:
    scopes = batch.get("scopeSpans") or batch.get("instrumentationLibrarySpans") or []
    return sum(len(s.get("spans") or []) for s in scopes)


def in_scope(body: Mapping[str, Any], namespaces: frozenset[str]) -> Scoped:
    """The batches of an OTLP JSON trace whose resource namespace is in ``namespaces``."""
    key = "batches" if "batches" in body else "resourceSpans"
    kept: list[Any] = []
    withheld = unlabelled = 0
    for batch in body.get(key) or []:
        resource = attributes((batch.get("resource") or {}).get("attributes"))
        namespace = resource.get(NAMESPACE_ATTRIBUTE)
        if namespace in namespaces:
            kept.append(batch)
            continue
        count = _span_count(batch)
        withheld += count
        if namespace is None:
            unlabelled += count
    return Scoped({key: kept}, withheld, unlabelled)
