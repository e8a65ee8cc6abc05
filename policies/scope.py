"""Derive what one investigation may read from its alert and the service catalogue."""

from __future__ import annotations

from agent.alerts.model import Alert
from agent.bundle.model import Catalog, CatalogService
from tools.base import Scope

from .model import Policy


def derive_scope(alert: Alert, catalog: Catalog, policy: Policy) -> Scope:
    """The namespaces of the alert and of its service's catalogue dependencies.

    The alert's namespace label comes first; the alert's service (the first of the policy's
    ``service_labels`` present) adds its own catalogue namespace and, when
    ``include_dependencies`` is set, the namespaces of every service it depends on, directly
    or through other catalogue services (a symptom at the edge is often caused deep in the
    chain: frontend → cart → its cache). A scope
    may be empty: then only cluster-scoped reads (nodes) and namespace-free tools remain.
    """
    rule = policy.scope
    namespaces = {alert.labels[k] for k in rule.namespace_labels if alert.labels.get(k)}
    services = {s.name: s for s in catalog.services}
    name = next((alert.labels[k] for k in rule.service_labels if alert.labels.get(k)), None)
    service = services.get(name) if name else None
    if service is not None:
        if service.namespace:
            namespaces.add(service.namespace)
        if rule.include_dependencies:
            for found in dependency_closure(service, services):
                if found.namespace:
                    namespaces.add(found.namespace)
    return Scope(namespaces=frozenset(namespaces), max_range=rule.max_range)


def dependency_closure(
    root: CatalogService, services: dict[str, CatalogService]
) -> list[CatalogService]:
    """Every catalogue service ``root`` depends on, transitively (cycles are fine)."""
    seen: dict[str, CatalogService] = {}
    pending = list(root.dependencies)
    while pending:
        name = pending.pop()
        found = services.get(name)
        if found is None or name in seen:
            continue
        seen[name] = found
        pending.extend(found.dependencies)
    return list(seen.values())
