"""What a scenario declares: when things change, what breaks, what the alert is, and the truth.

A scenario is data. Effects are ramps on one component (an error rate, a latency factor, a
memory-demand factor, or a crash loop); rollouts add a Deployment revision; the alert rule is
evaluated over the generated metrics to find when it fired. All times are epoch seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from agent.bundle.model import Category
from evals.simulator.capacity import Capacity
from evals.simulator.extras import Extras
from evals.simulator.world import World, shop_world

EffectKind = Literal["error", "latency", "memory", "crash", "cpu", "refuse"]
AlertKind = Literal["error_ratio", "latency_p99"]


@dataclass(frozen=True, slots=True)
class Effect:
    """A fault on one component: ``level`` reached linearly over ``ramp_s`` from ``start``.

    ``error``: extra share of the component's own requests that fail with ``code``;
    ``latency``: extra latency factor (level 3 = four times slower);
    ``memory``: extra memory-demand factor of its containers (OOMKills follow from the limit);
    ``crash``: containers exit shortly after every start while the level is above 0.5;
    ``cpu``: extra CPU-demand factor of its containers (throttled at the limit);
    ``refuse``: share of callers' connections failing before the component's handler runs (an
    expired certificate): callers see errors, the component sees less traffic.
    ``templates`` are the log lines the component writes for its own failures.
    """

    component: str
    kind: EffectKind
    start: float
    level: float
    ramp_s: float = 60.0
    end: float = math.inf
    code: str = "500"
    templates: tuple[str, ...] = ()

    def at(self, t: float) -> float:
        """The effect's level at time ``t`` (0 outside its span)."""
        if t < self.start or t >= self.end:
            return 0.0
        if self.ramp_s <= 0:
            return self.level
        return self.level * min(1.0, (t - self.start) / self.ramp_s)


@dataclass(frozen=True, slots=True)
class Rollout:
    """A new Deployment revision: changed image, env or memory limit, pods replaced one by one.

    ``revision`` pins the new revision's number (so the truth can name it); by default it follows
    a seeded history.
    """

    workload: str
    at: float
    image: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    memory_limit_mi: int | None = None
    pod_interval_s: float = 45.0
    change_cause: str = ""
    revision: int | None = None


@dataclass(frozen=True, slots=True)
class AlertRule:
    """The alerting rule that fired: a 5xx ratio or a p99 latency of one service."""

    name: str
    kind: AlertKind
    service: str
    threshold: float
    for_s: int = 300
    severity: str = "critical"
    summary: str = ""
    description: str = ""
    runbook: str = ""


@dataclass(frozen=True, slots=True)
class NoiseLine:
    """A background log line a component repeats every ``every_s`` (jittered) over a span."""

    component: str
    level: str
    template: str
    every_s: float
    start: float = -math.inf
    end: float = math.inf


@dataclass(frozen=True, slots=True)
class TruthSpec:
    """The ground truth written to ``truth.yaml``."""

    component: str
    category: Category
    summary: str
    aliases: tuple[str, ...]
    key_evidence: tuple[str, ...]
    remediation: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """One incident: identity, timeline, faults, alert rules and truth."""

    id: str
    title: str
    description: str
    seed: int
    now: float
    truth: TruthSpec
    alerts: tuple[AlertRule, ...]
    effects: tuple[Effect, ...] = ()
    rollouts: tuple[Rollout, ...] = ()
    noise: tuple[NoiseLine, ...] = ()
    window_s: int = 3600
    world: World = field(default_factory=shop_world)
    extras: Extras = field(default_factory=Extras)
    capacity: Capacity = field(default_factory=Capacity)

    @property
    def start(self) -> float:
        """Start of the recorded window."""
        return self.now - self.window_s

    def level(self, component: str, kind: EffectKind, t: float) -> float:
        """Sum of the levels of every effect of ``kind`` on ``component`` at ``t``."""
        return sum(e.at(t) for e in self.effects if e.component == component and e.kind == kind)

    def failing(self, component: str, t: float) -> Effect | None:
        """The strongest active error effect on ``component`` at ``t``, if any."""
        active = [
            e
            for e in self.effects
            if e.component == component and e.kind == "error" and e.at(t) > 0
        ]
        return max(active, key=lambda e: e.at(t)) if active else None
