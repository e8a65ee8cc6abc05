"""Usage relative to limits: how close each workload's containers came to their limits.

A container at its CPU limit is throttled, and one at its memory limit is OOM-killed, however
little it used before: saturation is judged on the scale of the *limit*. The ratio's robust
z is floored at a tenth of the limit (``robust_z``'s ``level`` of 1), so a container going
from 5% to 35% of its limit scores 3, from 50% to 100% scores 5, and a rise from 0.1% to 1%
— tenfold, and what a raw-usage z rewards — scores nothing.

The names are the ones Kubernetes clusters export: the kubelet's cAdvisor usage
(``container_cpu_usage_seconds_total``, ``container_memory_working_set_bytes``) against the
limits of kube-state-metrics (``kube_pod_container_resource_limits{resource=…}``) or, without
it, cAdvisor's own container spec (CPU quota over period, the memory limit). Containers are
matched on namespace, pod and container; a pod's ratio is its most saturated container's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .families import Family
from .frame import Frame

# The ratio's scale: one unit is the whole limit (see ``robust_z``'s relative floor).
LIMIT_LEVEL = 1.0
_KSM_LIMITS = "kube_pod_container_resource_limits"
_BY = "namespace, pod, container"


@dataclass(frozen=True, slots=True)
class Resource:
    """One limited resource: its usage family and how its limit is exported."""

    name: str  # the signal's name
    usage: str  # cAdvisor usage family
    counter: bool  # whether usage is a counter (a rate is taken)
    ksm: str  # kube-state-metrics' ``resource`` label value
    spec: tuple[str, ...]  # cAdvisor spec families giving the limit (numerator, denominator)


RESOURCES = (
    Resource(
        "cpu usage / cpu limit",
        "container_cpu_usage_seconds_total",
        True,
        "cpu",
        ("container_spec_cpu_quota", "container_spec_cpu_period"),
    ),
    Resource(
        "memory working set / memory limit",
        "container_memory_working_set_bytes",
        False,
        "memory",
        ("container_spec_memory_limit_bytes",),
    ),
)


def _limit(resource: Resource, names: Collection[str], selector: str) -> str | None:
    if _KSM_LIMITS in names:
        sel = f'{selector}, resource="{resource.ksm}"'
        return f"sum by ({_BY}) ({_KSM_LIMITS}{{{sel}}})"
    if all(n in names for n in resource.spec):
        # Unlimited containers export a quota of -1 and a memory limit of 0.
        limit = f"sum by ({_BY}) ({resource.spec[0]}{{{selector}}} > 0)"
        if len(resource.spec) == 2:
            limit += f" / sum by ({_BY}) ({resource.spec[1]}{{{selector}}})"
        return limit
    return None


def limit_queries(names: Collection[str], selector: str, frame: Frame) -> list[tuple[Family, str]]:
    """Per resource whose usage and limit are both exported, a pseudo-family and its PromQL."""
    out = []
    for resource in RESOURCES:
        limit = _limit(resource, names, selector)
        if resource.usage not in names or limit is None:
            continue
        sel = f'{selector}, container!="", container!="POD"'
        usage = f"{resource.usage}{{{sel}}}"
        if resource.counter:
            usage = f"irate({usage}[{frame.rate_range()}])"
        query = f"max by (pod) (sum by ({_BY}) ({usage}) / on ({_BY}) ({limit}))"
        out.append((Family(resource.name, "gauge", {"pod"}), query))
    return out
