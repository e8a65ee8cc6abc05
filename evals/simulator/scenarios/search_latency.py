"""A batch job saturates the CPU of one node and starves the search pod running beside it.

Timeline (minutes before now): recommendations rolls out a harmless release at -48 (red
herring). At -21 image-resizer, a Deployment with a generous CPU limit sharing node
ip-10-20-2-35 with search, starts a full re-index of 2.1M images and burns about six cores; the
node has almost no idle CPU left. The search pod on that node waits for CPU (throttled periods
climb) and answers several times slower; search's p99 latency alert fires. search itself
changed nothing and its CPU usage did not grow; the other search pod is unaffected.
"""

from __future__ import annotations

import dataclasses

from evals.simulator.capacity import Capacity, Contention
from evals.simulator.scenario import (
    AlertRule,
    Effect,
    NoiseLine,
    Rollout,
    Scenario,
    TruthSpec,
)
from evals.simulator.scenarios.common import BACKGROUND, at, parse
from evals.simulator.world import Workload, shop_world

NOW = parse("2025-11-25T11:18:00Z")
JOB = at(NOW, 21)
_WORLD = shop_world()
NODE = _WORLD.nodes[1]
RESIZER = Workload(
    "image-resizer",
    "shop",
    "Deployment",
    "registry.shop.example/shop/image-resizer:1.4.2",
    replicas=1,
    memory_mi=700.0,
    memory_limit_mi=2048,
    cpu_cores=0.25,
    cpu_limit_cores=6.0,
    port=8080,
    env=(("RESIZE_WORKERS", "32"), ("SOURCE_BUCKET", "s3://shop-media-originals")),
    team="media",
)
# Appended after the DaemonSets, so every other pod keeps its place; it lands on NODE.
WORLD = dataclasses.replace(_WORLD, infra=(*_WORLD.infra, RESIZER))
_NEIGHBOURS = ("frontend", "api-gateway", "recommendations", "checkout", "payments", "shipping")

SCENARIO = Scenario(
    id="search-latency-0514",
    title="search p99 latency above threshold",
    description="Search results load slowly for a share of shoppers.",
    seed=514,
    now=NOW,
    world=WORLD,
    rollouts=(
        Rollout(
            "recommendations",
            at(NOW, 48),
            image="registry.shop.example/shop/recommendations:0.20.0",
            change_cause="release 0.20.0: new ranking model",
        ),
    ),
    effects=(Effect("image-resizer", "cpu", JOB, 36.0, ramp_s=90.0),),
    capacity=Capacity(
        contention=(
            Contention("search", NODE, JOB + 30, 5.0, ramp_s=150.0),
            *(Contention(name, NODE, JOB + 30, 0.4, ramp_s=150.0) for name in _NEIGHBOURS),
        )
    ),
    noise=(
        *BACKGROUND,
        NoiseLine("image-resizer", "", "{date} INFO  scheduler: no pending jobs", 300.0, end=JOB),
        NoiseLine(
            "image-resizer",
            "",
            "{date} INFO  reindex: starting full re-index of 2.1M images "
            "(trigger=catalog-import, workers=32, batch=500, source=s3://shop-media-originals)",
            2.0,
            start=JOB,
            end=JOB + 2.0,
        ),
        NoiseLine(
            "image-resizer",
            "",
            "{date} INFO  reindex: batch done: 500 images resized in {ms}ms (workers=32)",
            20.0,
            start=JOB + 10.0,
        ),
    ),
    alerts=(
        AlertRule(
            "HTTPLatencyP99High",
            "latency_p99",
            "search",
            0.5,
            summary="search p99 latency is above 500ms",
            description="The 99th percentile latency of search in namespace shop has been "
            "above 500ms for 5 minutes.",
            runbook="https://runbooks.shop.example/alerts/HTTPLatencyP99High",
        ),
    ),
    truth=TruthSpec(
        component="image-resizer",
        category="resource",
        summary=f"image-resizer (CPU limit 6 cores) started a full re-index of 2.1M images on "
        f"node {NODE} and saturated its CPU (node idle near 0); the search pod on the same node "
        "is starved and throttled, so search p99 latency rose. search itself did not change.",
        aliases=("image-resizer deployment", "image resizer", "re-index job"),
        key_evidence=(
            "image-resizer",
            "re-index",
            "node_cpu_seconds_total",
            "container_cpu_cfs_throttled_periods_total",
            "ip-10-20-2-35",
        ),
        remediation="Pause or reschedule the re-index; give image-resizer a CPU limit of 1-2 "
        "cores or move it to a dedicated batch node pool (taints/tolerations) away from "
        "latency-sensitive services.",
    ),
)
