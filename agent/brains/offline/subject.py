"""What an investigation is about, from the alert and the catalogue: service, scope, names.

Pure functions of the alert and the service catalogue (which may be empty): the alerting
service, the namespaces in scope (the policy's rule: the alert's, its service's and its
dependencies'), every name the catalogue knows, and which entries are backing systems.
"""

from __future__ import annotations

from agent.alerts.model import Alert
from agent.bundle.model import Catalog
from policies.scope import dependency_closure


def alert_service(alert: Alert) -> str:
    """The service the alert names (``service``, ``app`` or ``job`` label), or ``""``."""
    labels = alert.labels
    return next((labels[k] for k in ("service", "app", "job") if labels.get(k)), "")


def scope_namespaces(catalog: Catalog, alert: Alert) -> list[str]:
    """The alert's namespace, its service's and its dependencies' (the policy's scope rule)."""
    names = {alert.namespace or ""}
    services = {s.name: s for s in catalog.services}
    own = services.get(alert_service(alert))
    if own is not None:
        names.add(own.namespace or "")
        names.update(d.namespace or "" for d in dependency_closure(own, services))
    return sorted(n for n in names if n)


def known_names(catalog: Catalog) -> frozenset[str]:
    """Every service the catalogue names, as an entry or as a dependency."""
    names = {s.name for s in catalog.services}
    for service in catalog.services:
        names.update(service.dependencies)
    return frozenset(names)


def backing_systems(catalog: Catalog, alert: Alert) -> frozenset[str]:
    """Catalogue entries that are backing systems: depended on, outside the alert's area."""
    services = {s.name: s for s in catalog.services}
    home = set(scope_namespaces(catalog, alert)[:1]) | {alert.namespace or ""}
    out = set()
    for service in catalog.services:
        for dep in service.dependencies:
            entry = services.get(dep)
            if entry is None or entry.namespace not in home or not entry.dependencies:
                out.add(dep)
    return frozenset(out)
