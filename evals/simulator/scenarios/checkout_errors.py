"""A new payments image throws a NullPointerException on charges without a billing address.

Timeline (minutes before now): recommendations rolls out a harmless release at -56, payments
rolls out revision 12 (3.15.0) at -16; each new pod fails a share of charges as soon as it takes
traffic; checkout fails with it and its 5xx-ratio alert fires. Red herrings: the recommendations
release, and a noisy pre-existing WARN in search.
"""

from __future__ import annotations

from evals.simulator.scenario import Effect, NoiseLine, Rollout, Scenario, TruthSpec
from evals.simulator.scenarios.common import BACKGROUND, at, error_ratio_alert, parse

NOW = parse("2025-11-18T14:24:00Z")
ROLLOUT = at(NOW, 16)
_NPE = (
    "Unhandled exception for POST /charges order={order_id}: java.lang.NullPointerException: "
    'Cannot invoke "com.shop.payments.model.BillingAddress.getCountry()" because '
    '"request.billing" is null\n\tat com.shop.payments.tax.TaxRegionResolver.resolve'
    "(TaxRegionResolver.java:58)\n\tat com.shop.payments.charge.ChargeService.charge"
    "(ChargeService.java:214)\n\tat com.shop.payments.api.ChargeController.create"
    "(ChargeController.java:77)"
)

SCENARIO = Scenario(
    id="checkout-5xx-0412",
    title="checkout 5xx error ratio above threshold",
    description="Checkout requests are failing with HTTP 5xx; customers report failed orders.",
    seed=412,
    now=NOW,
    rollouts=(
        Rollout(
            "recommendations",
            at(NOW, 56),
            image="registry.shop.example/shop/recommendations:0.20.0",
            change_cause="release 0.20.0: new ranking model",
        ),
        Rollout(
            "payments",
            ROLLOUT,
            image="registry.shop.example/shop/payments:3.15.0",
            env=(("TAX_REGION_RESOLVER", "v2"),),
            revision=12,
            pod_interval_s=50.0,
            change_cause="release 3.15.0",
        ),
    ),
    effects=(
        # The first new pod is ready ~20 s after the rollout; the share grows as pods roll.
        Effect(
            "payments", "error", ROLLOUT + 20, 0.38, ramp_s=110.0, code="500", templates=(_NPE,)
        ),
    ),
    noise=(
        *BACKGROUND,
        NoiseLine(
            "search",
            "WARN",
            "index products_v7 has {n} deprecated field mappings; queries may be slow",
            12.0,
        ),
    ),
    alerts=(error_ratio_alert("checkout", 0.05),),
    truth=TruthSpec(
        component="payments",
        category="deployment",
        summary="payments revision 12 (image payments:3.15.0) throws a NullPointerException in "
        "TaxRegionResolver for charges without a billing address; checkout fails with it.",
        aliases=("payments-service", "payments deployment"),
        key_evidence=("revision 12", "3.15.0", "NullPointerException", "payments 5xx"),
        remediation="kubectl -n shop rollout undo deployment/payments (back to 3.14.2), then fix "
        "the null billing address handling.",
    ),
)
