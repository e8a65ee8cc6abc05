"""A node's root filesystem fills; kubelet evicts the shop's pods on it and they cannot return.

Timeline (minutes before now): frontend rolls out a harmless release at -55 (red herring: its
pods were healthy for half an hour before anything happened). From about -49 the root volume of
node ip-10-20-2-35 fills with host logs; image garbage collection cannot free anything; at -24
nodefs.available drops below kubelet's 10% threshold: the node reports DiskPressure, is tainted,
and kubelet evicts the eight shop pods on it over ~90 s. Their replacements stay Pending (the two
other nodes have no CPU to spare), so frontend, api-gateway, search, recommendations, checkout,
payments, shipping and notifications run on one replica fewer; the survivors of frontend and
api-gateway saturate and shed load with 503s, and frontend's 5xx-ratio alert fires.
"""

from __future__ import annotations

from evals.simulator.capacity import Capacity, NodePressure
from evals.simulator.scenario import Effect, Rollout, Scenario, TruthSpec
from evals.simulator.scenarios.common import BACKGROUND, at, error_ratio_alert, parse
from evals.simulator.world import shop_world

NOW = parse("2025-11-24T16:42:00Z")
PRESSURE = at(NOW, 24)
NODE = shop_world().nodes[1]
_SHED_FRONTEND = (
    "upstream saturated: rejecting request with 503 (inflight={n}, max_inflight=40) "
    "trace_id={trace_id}",
)
_SHED_GATEWAY = ("worker pool exhausted, shedding request: queue_depth={n} max_queue=32",)

SCENARIO = Scenario(
    id="storefront-errors-0507",
    title="frontend 5xx error ratio above threshold",
    description="Storefront pages fail for a share of shoppers with HTTP 503.",
    seed=507,
    now=NOW,
    rollouts=(
        Rollout(
            "frontend",
            at(NOW, 55),
            image="registry.shop.example/shop/frontend:4.13.0",
            change_cause="release 4.13.0: footer links, new product badges",
            pod_interval_s=40.0,
        ),
    ),
    effects=(
        # One replica fewer: the surviving pods take twice their share and saturate.
        Effect("frontend", "latency", PRESSURE + 20, 1.6, ramp_s=120.0),
        Effect(
            "frontend",
            "error",
            PRESSURE + 30,
            0.07,
            ramp_s=120.0,
            code="503",
            templates=_SHED_FRONTEND,
        ),
        Effect("api-gateway", "latency", PRESSURE + 15, 1.2, ramp_s=120.0),
        Effect(
            "api-gateway",
            "error",
            PRESSURE + 40,
            0.03,
            ramp_s=120.0,
            code="503",
            templates=_SHED_GATEWAY,
        ),
        *(
            Effect(name, "latency", PRESSURE + 30, 0.5, ramp_s=120.0)
            for name in ("search", "recommendations", "checkout", "payments")
        ),
    ),
    noise=BACKGROUND,
    capacity=Capacity(pressures=(NodePressure(NODE, PRESSURE),)),
    alerts=(error_ratio_alert("frontend", 0.05),),
    truth=TruthSpec(
        component=NODE,
        category="infrastructure",
        summary=f"The root filesystem of node {NODE} filled up (nodefs.available below "
        "kubelet's 10% eviction threshold); the node went into DiskPressure, was tainted, and "
        "kubelet evicted the shop pods on it (ephemeral-storage). Their replacements stay "
        "Pending (no other node has CPU to spare), so eight services lost a replica and the "
        "surviving frontend and api-gateway pods shed load with 503s.",
        aliases=("ip-10-20-2-35", "10.20.2.10", "10.20.2.35", "node 10.20.2.10"),
        key_evidence=(
            "DiskPressure",
            "Evicted",
            "ephemeral-storage",
            "node_filesystem_avail_bytes",
            "FailedScheduling",
        ),
        remediation=f"Free space on {NODE} (clean up host logs and unused images) or cordon, "
        "drain and replace it; add capacity so evicted pods can reschedule; alert on "
        "node_filesystem_avail_bytes before kubelet's threshold.",
    ),
)
