"""The cart-cache redis crash-loops; cart falls back to postgres and exhausts its connections.

Timeline (minutes before now): at -28 redis in cart-cache-0 exits and cannot restart (its AOF
file is truncated); cart reads every cart from orders-db instead, the database slows down,
connection pools of catalog, inventory, checkout and cart run dry and requests time out waiting
for a connection; frontend's p99 latency alert fires. Red herring: a slow-query log line of
orders-db that has been there all along.
"""

from __future__ import annotations

from evals.simulator.scenario import AlertRule, Effect, NoiseLine, Scenario, TruthSpec
from evals.simulator.scenarios.common import BACKGROUND, at, parse

NOW = parse("2025-11-20T19:40:00Z")
CRASH = at(NOW, 28)
_POOL = (
    "could not acquire connection from pool within 2000ms (pool=orders, active=15, "
    "idle=0, pending={n})",
)
_POOL_USERS = ("catalog", "inventory", "checkout", "cart")

SCENARIO = Scenario(
    id="frontend-latency-0423",
    title="frontend p99 latency above threshold",
    description="Storefront pages are slow and some requests fail.",
    seed=423,
    now=NOW,
    effects=(
        Effect(
            "cart-cache",
            "crash",
            CRASH,
            1.0,
            ramp_s=0.0,
            templates=(
                "1:M {date} # Bad file format reading the append only file "
                "appendonly.aof.3.incr.aof: make a backup of your AOF file, then use "
                "./redis-check-aof --fix <filename.manifest>",
            ),
        ),
        Effect("orders-db", "latency", CRASH + 45, 14.0, ramp_s=240.0),
        *(Effect(name, "latency", CRASH + 90, 20.0, ramp_s=240.0) for name in _POOL_USERS),
        *(
            Effect(name, "error", CRASH + 120, 0.25, ramp_s=240.0, code="503", templates=_POOL)
            for name in _POOL_USERS
        ),
    ),
    noise=(
        *BACKGROUND,
        NoiseLine(
            "orders-db",
            "",
            "{date} UTC [{n}] LOG:  duration: {ms}.412 ms  statement: "
            "SELECT o.id, o.status, o.total FROM orders o WHERE o.customer_id = $1 "
            "ORDER BY o.created_at DESC",
            150.0,
        ),
        NoiseLine(
            "cart",
            "WARN",
            "cart cache unavailable: dial tcp 10.96.41.7:6379: connect: "
            "connection refused; reading cart from orders-db",
            2.0,
            start=CRASH,
        ),
        NoiseLine(
            "orders-db",
            "",
            "{date} UTC [{n}] FATAL:  sorry, too many clients already",
            6.0,
            start=CRASH + 200,
        ),
    ),
    alerts=(
        AlertRule(
            "HTTPLatencyP99High",
            "latency_p99",
            "frontend",
            0.75,
            summary="frontend p99 latency is above 750ms",
            description="The 99th percentile latency of frontend in namespace shop has "
            "been above 750ms for 5 minutes.",
            runbook="https://runbooks.shop.example/alerts/HTTPLatencyP99High",
        ),
        AlertRule(
            "HTTPErrorRatioHigh",
            "error_ratio",
            "api-gateway",
            0.02,
            severity="warning",
            summary="api-gateway is returning 5xx for more than 2% of requests",
            description="More than 2% of requests to api-gateway in namespace shop failed "
            "with a 5xx status over the last 5 minutes.",
            runbook="https://runbooks.shop.example/alerts/HTTPErrorRatioHigh",
        ),
    ),
    truth=TruthSpec(
        component="cart-cache",
        category="dependency",
        summary="redis in the cart-cache StatefulSet crash-loops (corrupt AOF file); cart falls "
        "back to orders-db, whose connections (max_connections 100) are exhausted, so "
        "catalog, inventory, checkout and cart time out acquiring pool connections.",
        aliases=("redis", "cart cache", "cart-cache redis"),
        key_evidence=(
            "redis_up",
            "CrashLoopBackOff",
            "max_connections",
            "could not acquire connection",
            "AOF",
        ),
        remediation="Repair the AOF of cart-cache-0 (redis-check-aof --fix) or restore from "
        "snapshot and restart redis; shed cart fallback load on orders-db meanwhile.",
    ),
)
