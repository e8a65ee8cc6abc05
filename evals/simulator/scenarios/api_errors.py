"""A campaign triples search traffic; search's autoscaler is pinned at its maximum.

Timeline (minutes before now): catalog rolls out a routine release at -41 (red herring, healthy
since). At -19 a marketing campaign links to search results and search traffic ramps to three
times its usual rate over five minutes. Its HorizontalPodAutoscaler scales from 2 to its
maxReplicas of 4 about 90 s in and then wants about 8 (ScalingLimited, TooManyReplicas); the
four pods run at their CPU limit, queue, and shed requests with 503s. api-gateway, which routes
those searches, fires its 5xx-ratio alert.
"""

from __future__ import annotations

import dataclasses

from evals.simulator.capacity import Autoscaler, Capacity, Surge
from evals.simulator.scenario import Effect, Rollout, Scenario, TruthSpec
from evals.simulator.scenarios.common import BACKGROUND, at, error_ratio_alert, parse
from evals.simulator.world import shop_world

NOW = parse("2025-11-26T18:07:00Z")
SURGE = at(NOW, 19)
_WORLD = shop_world()
_SEARCH = _WORLD.service("search")
# search's requests are CPU-bound: 350m per pod at normal load, limited to 500m.
WORLD = dataclasses.replace(
    _WORLD,
    services=tuple(
        dataclasses.replace(
            s,
            workload=dataclasses.replace(s.workload, cpu_cores=0.35, cpu_limit_cores=0.5),
        )
        if s.name == "search"
        else s
        for s in _WORLD.services
    ),
)
_SHED = (
    "rejecting request: concurrency limit reached (inflight={n}, limit=64); returning 503",
    "request queue wait exceeded 2000ms, returning 503 (queue_depth={n})",
)

SCENARIO = Scenario(
    id="api-errors-0521",
    title="api-gateway 5xx error ratio above threshold",
    description="Shoppers report intermittent errors on the storefront; the gateway reports 5xx.",
    seed=521,
    now=NOW,
    world=WORLD,
    rollouts=(
        Rollout(
            "catalog",
            at(NOW, 41),
            image="registry.shop.example/shop/catalog:2.9.0",
            change_cause="release 2.9.0: product badges",
        ),
    ),
    effects=(
        Effect("search", "latency", SURGE + 60, 3.0, ramp_s=240.0),
        Effect("search", "error", SURGE + 150, 0.2, ramp_s=240.0, code="503", templates=_SHED),
    ),
    capacity=Capacity(
        surges=(Surge("search", SURGE, 2.0, ramp_s=300.0),),
        autoscalers=(
            Autoscaler("frontend", 2, 6, utilisation=48),
            Autoscaler("api-gateway", 2, 6, utilisation=52),
            Autoscaler("search", 2, 4, scaled_at=SURGE + 90, utilisation=134),
        ),
    ),
    noise=BACKGROUND,
    alerts=(error_ratio_alert("api-gateway", 0.02),),
    truth=TruthSpec(
        component="search",
        category="capacity",
        summary="A campaign tripled search traffic; search's HorizontalPodAutoscaler reached "
        "maxReplicas 4 (ScalingLimited, TooManyReplicas) while it wanted about 8; the pods run "
        "at their 500m CPU limit, queue and shed requests with 503, which api-gateway returns.",
        aliases=("search-service", "search deployment", "search HPA"),
        key_evidence=("ScalingLimited", "TooManyReplicas", "maxReplicas", "503"),
        remediation="Raise search's HPA maxReplicas (and cluster capacity) or its CPU "
        "limit; rate-limit or cache campaign search traffic.",
    ),
)
