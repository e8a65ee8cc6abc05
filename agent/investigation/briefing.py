"""The per-investigation context a brain is given at the start: what a human would be told.

The investigation's "now", the alert's onset and a sensible window, the namespaces in scope,
the policy's limits (ranges, call caps) and the budget, and the catalogue entries of the
services involved. It is written by the agent from its own configuration, so it is trusted
text, unlike the alert, which follows it as untrusted data. It opens the conversation rather
than sitting in the system prompt, so that the system prompt stays byte-identical (cached)
across alerts.
"""

from __future__ import annotations

from datetime import datetime

from agent.alerts.model import Alert
from agent.bundle.model import Catalog, CatalogService
from policies.model import Policy
from policies.scope import dependency_closure
from tools.base import Scope
from tools.summarise.numbers import clock_dt

from .budget import Budget

_MAX_SERVICES = 12  # catalogue entries shown; the rest are named only


def build_briefing(
    alert: Alert, now: datetime, scope: Scope, policy: Policy, catalog: Catalog, budget: Budget
) -> str:
    """The context block of the first message, as short lines."""
    onset = alert.starts_at
    lines = [
        "Investigation context (from the agent's configuration, trusted):",
        f"- Now: {clock_dt(now)}. Tools default `end` to now.",
        f"- Alert onset: {clock_dt(onset)} ({_ago(now, onset)} before now). Compare the "
        "window from shortly before the onset to now with an equal baseline before it.",
        "- Namespaces in scope: "
        + (", ".join(sorted(scope.namespaces)) or "none (only cluster-scoped reads)")
        + ". Reads elsewhere are refused; nodes are readable cluster-wide.",
        f"- Limits: time ranges up to {_hours(scope.max_range.total_seconds())}; "
        f"{policy.max_calls_total} backend calls in all; per tool: "
        + ", ".join(f"{name} {rule.max_calls}" for name, rule in sorted(policy.tools.items()))
        + f". Budget: {budget.max_steps} turns, {budget.max_wall_seconds:.0f}s, "
        f"${budget.max_cost_usd:.2f}.",
    ]
    services = _involved(alert, catalog, policy)
    if services:
        lines.append("- Services involved (catalogue):")
        lines += [f"  - {_entry(s)}" for s in services[:_MAX_SERVICES]]
        if len(services) > _MAX_SERVICES:
            rest = ", ".join(s.name for s in services[_MAX_SERVICES:])
            lines.append(f"  - also: {rest}")
    return "\n".join(lines)


def _involved(alert: Alert, catalog: Catalog, policy: Policy) -> list[CatalogService]:
    """The alert's catalogue service and everything it depends on, transitively."""
    by_name = {s.name: s for s in catalog.services}
    name = next((alert.labels[k] for k in policy.scope.service_labels if alert.labels.get(k)), "")
    root = by_name.get(name)
    if root is None:
        return []
    return [root, *sorted(dependency_closure(root, by_name), key=lambda s: s.name)]


def _entry(service: CatalogService) -> str:
    facts = [f"namespace {service.namespace}" if service.namespace else ""]
    facts.append(f"depends on {', '.join(service.dependencies)}" if service.dependencies else "")
    facts.append(f"owner {service.owner}" if service.owner else "")
    facts.append(f"runbook {service.runbook_url}" if service.runbook_url else "")
    facts.append(f"SLO {service.slo}" if service.slo else "")
    return f"{service.name}: " + ("; ".join(f for f in facts if f) or "no details")


def _ago(now: datetime, then: datetime) -> str:
    minutes = max(0, round((now - then).total_seconds() / 60))
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"
