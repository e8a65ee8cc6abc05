"""The external carrier API shipping quotes from slows from ~80 ms to seconds.

Timeline (minutes before now): at -22 api.carrier.example starts answering in ~3 s instead of
~80 ms; shipping's quote calls wait for it, a growing share hit shipping's 3 s client timeout and
fail (the rest fall back to cached quotes), and checkout, which waits for every quote, slows
down until its p99 latency alert fires. Nothing in the cluster changed. Evidence: shipping's
OTel client histogram per peer, long CLIENT spans to ``api.carrier.example``, shipping's timeout
lines. Red herrings: the background "carrier rate API timeout ... using cached quote" warning,
which predates it, and a notifications release at -48, healthy since.
"""

from __future__ import annotations

from dataclasses import replace

from evals.simulator.extras import Extras
from evals.simulator.scenario import (
    AlertRule,
    Effect,
    NoiseLine,
    Rollout,
    Scenario,
    TruthSpec,
)
from evals.simulator.scenarios.common import BACKGROUND, at, parse
from evals.simulator.world import Datastore, Edge, World, shop_world

NOW = parse("2025-11-24T16:12:00Z")
ONSET = at(NOW, 22)
CARRIER = Datastore("carrier-api", "external", 0.08, "api.carrier.example:443")
_TIMEOUT = (
    "carrier quote request timed out after 3000ms: Post "
    '"https://api.carrier.example/v1/rates": context deadline exceeded '
    "(Client.Timeout exceeded while awaiting headers)",
)


def carrier_world() -> World:
    """The shop with shipping quoting every order through the external carrier API."""
    base = shop_world()
    shipping = base.service("shipping")
    workload = replace(
        shipping.workload,
        env=(*shipping.workload.env, ("CARRIER_API_URL", "https://api.carrier.example/v1")),
    )
    shipping = replace(shipping, workload=workload, edges=(Edge(CARRIER.name, 1.0),))
    services = tuple(shipping if s.name == "shipping" else s for s in base.services)
    return replace(base, services=services, datastores=(*base.datastores, CARRIER))


SCENARIO = Scenario(
    id="checkout-latency-0502",
    title="checkout p99 latency above threshold",
    description="Placing an order takes several seconds; some orders fail.",
    seed=502,
    now=NOW,
    world=carrier_world(),
    rollouts=(
        Rollout(
            "notifications",
            at(NOW, 48),
            image="registry.shop.example/shop/notifications:1.4.0",
            change_cause="release 1.4.0: SMS templates",
        ),
    ),
    effects=(
        Effect(CARRIER.name, "latency", ONSET, 34.0, ramp_s=180.0),
        # Calls beyond shipping's 3 s timeout that no cached quote covers.
        Effect(
            CARRIER.name, "error", ONSET + 60, 0.2, ramp_s=180.0, code="504", templates=_TIMEOUT
        ),
    ),
    noise=(
        *BACKGROUND,
        NoiseLine(
            "shipping",
            "WARN",
            "carrier rate API timeout after 3000ms, using cached quote",
            4.0,
            start=ONSET + 60,
        ),
    ),
    extras=Extras(client_histograms=("shipping",)),
    alerts=(
        AlertRule(
            "HTTPLatencyP99High",
            "latency_p99",
            "checkout",
            2.0,
            summary="checkout p99 latency is above 2s",
            description="The 99th percentile latency of checkout in namespace shop has "
            "been above 2s for 5 minutes.",
            runbook="https://runbooks.shop.example/alerts/HTTPLatencyP99High",
        ),
    ),
    truth=TruthSpec(
        component=CARRIER.name,
        category="dependency",
        summary="The external carrier API (api.carrier.example) slowed from ~80 ms to ~3 s; "
        "shipping's quote calls wait for it and time out after 3000ms, so checkout, which "
        "waits for a shipping quote, is slow and partly failing. No change in the cluster.",
        aliases=("api.carrier.example", "shipping-provider", "carrier API", "carrier"),
        key_evidence=(
            "api.carrier.example",
            "timed out after 3000ms",
            "http_client_request_duration_seconds",
            "shipping",
        ),
        remediation="Escalate to the carrier (status page, support); meanwhile serve cached or "
        "flat-rate shipping quotes and shorten shipping's quote timeout so checkout degrades "
        "gracefully. Nothing to roll back in the cluster.",
    ),
)
