"""What a scenario may declare about capacity: node pressure, CPU contention, surges, autoscalers.

These are causes that live below or beside the request path — a node whose disk fills and whose
kubelet evicts pods, a node whose CPU a neighbour saturates, a traffic surge, an autoscaler that
hits its ceiling. Every field of ``Capacity`` defaults to empty, so a scenario without them
generates exactly what it did before they existed.
"""

from __future__ import annotations

from dataclasses import dataclass


def _ramp(level: float, start: float, ramp_s: float, t: float) -> float:
    if t < start:
        return 0.0
    if ramp_s <= 0:
        return level
    return level * min(1.0, (t - start) / ramp_s)


@dataclass(frozen=True, slots=True)
class NodePressure:
    """A node's root filesystem fills over ``fill_s`` and crosses kubelet's threshold at ``start``.

    From ``start`` the node reports ``DiskPressure``, is tainted, and kubelet evicts the pods of
    ``evict_namespaces`` on it one every ``evict_every_s``; their replacements stay Pending
    (the other nodes have no CPU to spare).
    """

    node: str
    start: float
    fill_s: float = 1500.0
    evict_every_s: float = 11.0
    evict_namespaces: tuple[str, ...] = ("shop",)

    def active(self, t: float) -> bool:
        """Whether the node is under pressure at ``t``."""
        return t >= self.start


@dataclass(frozen=True, slots=True)
class Contention:
    """The pods of ``component`` on ``node`` run slower: CPU time they wait for, not use.

    ``level`` is the extra latency factor of those pods only (level 4 = five times slower).
    """

    component: str
    node: str
    start: float
    level: float
    ramp_s: float = 120.0

    def at(self, t: float) -> float:
        """The extra latency factor at ``t``."""
        return _ramp(self.level, self.start, self.ramp_s, t)


@dataclass(frozen=True, slots=True)
class Surge:
    """Extra requests to ``component`` arriving through its callers (level 2 = three times).

    The extra requests enter at the root service and pass every caller on the way down, so
    each hop's request counts, call shares and traces agree.
    """

    component: str
    start: float
    level: float
    ramp_s: float = 300.0

    def at(self, t: float) -> float:
        """The extra traffic factor at ``t``."""
        return _ramp(self.level, self.start, self.ramp_s, t)


@dataclass(frozen=True, slots=True)
class Autoscaler:
    """An ``autoscaling/v2`` HorizontalPodAutoscaler on a Deployment's CPU utilisation.

    The Deployment runs ``min_replicas`` (its world replicas) until ``scaled_at``, when the
    autoscaler adds pods up to ``max_replicas``; ``utilisation`` is the average CPU utilisation
    (percent of requests) it reports at ``now``.
    """

    workload: str
    min_replicas: int
    max_replicas: int
    target_cpu: int = 70
    scaled_at: float | None = None
    utilisation: int = 45


@dataclass(frozen=True, slots=True)
class Capacity:
    """Every capacity fact a scenario declares; all empty by default."""

    pressures: tuple[NodePressure, ...] = ()
    contention: tuple[Contention, ...] = ()
    surges: tuple[Surge, ...] = ()
    autoscalers: tuple[Autoscaler, ...] = ()

    def slowdown(self, component: str, node: str, t: float) -> float:
        """The latency factor of ``component``'s pods on ``node`` at ``t`` (1 = unaffected)."""
        return 1.0 + sum(
            c.at(t) for c in self.contention if c.component == component and c.node == node
        )

    def surge(self, component: str, t: float) -> float:
        """The extra traffic factor of ``component`` at ``t``."""
        return sum(s.at(t) for s in self.surges if s.component == component)

    def pressure(self, node: str) -> NodePressure | None:
        """The disk pressure declared on ``node``, if any."""
        return next((p for p in self.pressures if p.node == node), None)

    def autoscaler(self, workload: str) -> Autoscaler | None:
        """The autoscaler of ``workload``, if one is declared."""
        return next((a for a in self.autoscalers if a.workload == workload), None)
