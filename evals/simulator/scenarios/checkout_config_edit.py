"""checkout's payment-client timeout is edited from 3000 to 300 ms in place; charges time out.

Timeline (minutes before now): search rolls out a harmless release at -57; at -19 someone edits
the ``checkout-config`` ConfigMap (``PAYMENT_CLIENT_TIMEOUT_MS: "3000"`` → ``"300"``, a dropped
zero); no new ReplicaSet — both checkout pods hot-reload the file and log it. payments answers in
~200 ms as always, but every charge slower than 300 ms is now aborted by checkout, about a
quarter of them, and checkout's 5xx-ratio alert fires. Red herring: the search release.
"""

from __future__ import annotations

from dataclasses import replace

from evals.simulator.extras import Announcement, ConfigMapSpec, Extras
from evals.simulator.scenario import Effect, Rollout, Scenario, TruthSpec
from evals.simulator.scenarios.common import BACKGROUND, at, error_ratio_alert, parse
from evals.simulator.world import World, shop_world

NOW = parse("2025-11-25T11:37:00Z")
EDIT = at(NOW, 19)
_CONFIG_FILE = "/etc/checkout/config.yaml"
_CONFIG = (
    "PAYMENTS_URL: http://payments.shop.svc:8080\n"
    'PAYMENT_CLIENT_TIMEOUT_MS: "300"\n'
    "INVENTORY_URL: http://inventory.shop.svc:8080\n"
    'INVENTORY_CLIENT_TIMEOUT_MS: "2000"\n'
    "SHIPPING_URL: http://shipping.shop.svc:8080\n"
    'SHIPPING_CLIENT_TIMEOUT_MS: "3000"\n'
    'ORDER_RETRY_LIMIT: "2"\n'
)
_TIMEOUTS = (
    "charge for order {order_id} failed: java.net.http.HttpTimeoutException: request timed out"
    "\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:573)"
    "\n\tat com.shop.checkout.payments.PaymentsClient.charge(PaymentsClient.java:88)"
    "\n\tat com.shop.checkout.order.OrderService.place(OrderService.java:141)",
    "payments call exceeded client timeout of 300ms (order={order_id}); aborting checkout",
)


def _world() -> World:
    """The shop with checkout reading its client settings from a mounted file."""
    base = shop_world()
    checkout = base.service("checkout")
    workload = replace(
        checkout.workload, env=(*checkout.workload.env, ("CHECKOUT_CONFIG_FILE", _CONFIG_FILE))
    )
    services = tuple(
        replace(s, workload=workload) if s.name == "checkout" else s for s in base.services
    )
    return replace(base, services=services)


SCENARIO = Scenario(
    id="checkout-5xx-0507",
    title="checkout 5xx error ratio above threshold",
    description="A share of checkout requests fail with HTTP 500; nothing was shipped today.",
    seed=507,
    now=NOW,
    world=_world(),
    rollouts=(
        Rollout(
            "search",
            at(NOW, 57),
            image="registry.shop.example/shop/search:3.3.0",
            change_cause="release 3.3.0: synonym expansion",
        ),
    ),
    effects=(
        Effect("checkout", "error", EDIT + 2, 0.24, ramp_s=20.0, code="500", templates=_TIMEOUTS),
    ),
    noise=BACKGROUND,
    extras=Extras(
        config_maps=(
            ConfigMapSpec(
                "shop",
                "checkout-config",
                (("config.yaml", _CONFIG),),
                EDIT,
                labels=(("app", "checkout"),),
            ),
        ),
        announcements=(
            Announcement(
                "checkout",
                "INFO",
                f"config reloaded from {_CONFIG_FILE} (changed keys: PAYMENT_CLIENT_TIMEOUT_MS)",
                EDIT,
            ),
        ),
    ),
    alerts=(error_ratio_alert("checkout", 0.05),),
    truth=TruthSpec(
        component="checkout",
        category="configuration",
        summary="The checkout-config ConfigMap was edited in place: PAYMENT_CLIENT_TIMEOUT_MS "
        "went from 3000 to 300; checkout hot-reloaded it and aborts every charge slower than "
        "300 ms (~a quarter of them), though payments itself is healthy.",
        aliases=("checkout-config", "checkout-service", "checkout deployment"),
        key_evidence=("checkout-config", "PAYMENT_CLIENT_TIMEOUT_MS", "300", "config reloaded"),
        remediation="Set PAYMENT_CLIENT_TIMEOUT_MS back to 3000 in the checkout-config ConfigMap "
        "(checkout hot-reloads it); put the ConfigMap under review in git.",
    ),
)
