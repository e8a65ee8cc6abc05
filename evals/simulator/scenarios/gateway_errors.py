"""cart's new revision lowers its memory limit below its working set; its pods OOM-loop.

Timeline (minutes before now): cart rolls out revision 9 at -31 with the same image and
``limits.memory`` 512Mi → 256Mi. Each new container warms up to ~300Mi and is OOMKilled
(exit 137) within about two minutes, then restarts with a growing back-off; while both pods are
down, cart requests fail and api-gateway's 5xx ratio alert fires.
"""

from __future__ import annotations

from evals.simulator.scenario import Effect, Rollout, Scenario, TruthSpec
from evals.simulator.scenarios.common import BACKGROUND, at, error_ratio_alert, parse

NOW = parse("2025-11-19T09:50:00Z")
ROLLOUT = at(NOW, 31)

SCENARIO = Scenario(
    id="gateway-5xx-0419",
    title="api-gateway 5xx error ratio above threshold",
    description="Shoppers see intermittent errors on the storefront; the gateway reports 5xx.",
    seed=419,
    now=NOW,
    rollouts=(
        Rollout(
            "cart",
            ROLLOUT,
            memory_limit_mi=256,
            revision=9,
            pod_interval_s=40.0,
            change_cause="right-size resources (FinOps review)",
        ),
    ),
    effects=(
        # Requests in flight on a killed container and the cold restarts of its session cache.
        Effect(
            "cart",
            "error",
            ROLLOUT + 150,
            0.12,
            ramp_s=120.0,
            code="500",
            templates=(
                "failed to load cart {user_id}: session store read interrupted: context canceled",
            ),
        ),
    ),
    noise=BACKGROUND,
    alerts=(error_ratio_alert("api-gateway", 0.02),),
    truth=TruthSpec(
        component="cart",
        category="resource",
        summary="cart revision 9 lowered limits.memory from 512Mi to 256Mi, below its ~300Mi "
        "working set; its containers are OOMKilled (exit 137) and crash-loop.",
        aliases=("cart-service", "cart deployment"),
        key_evidence=("OOMKilled", "256Mi", "512Mi", "revision 9", "exit code 137"),
        remediation="kubectl -n shop rollout undo deployment/cart (restore the 512Mi limit).",
    ),
)
