"""CoreDNS is starved of CPU; lookups time out or SERVFAIL across the shop.

Timeline (minutes before now): at -17 the two CoreDNS pods in kube-system hit their 100m CPU
limit (throttled in most CFS periods), answers slow from <1 ms to ~300 ms and a growing share of
queries fail (SERVFAIL, resolver i/o timeouts). Services that open new connections fail to
resolve their peers and databases ("server misbehaving", UnknownHostException); frontend's 5xx
ratio alert fires. Evidence: ``coredns_dns_responses_total{rcode="SERVFAIL"}``,
``coredns_dns_request_duration_seconds``, CoreDNS's throttling and its error and health
warnings. Red herrings: orders-db's "no transaction in progress" warning, there all along, and
a frontend release at -44, healthy for half an hour before the onset.
"""

from __future__ import annotations

from evals.simulator.extras import Extras
from evals.simulator.scenario import (
    Effect,
    NoiseLine,
    Rollout,
    Scenario,
    TruthSpec,
)
from evals.simulator.scenarios.common import BACKGROUND, at, error_ratio_alert, parse

NOW = parse("2025-12-04T21:05:00Z")
ONSET = at(NOW, 17)
_RESOLV = "on 10.96.0.10:53"
_GO = "dial tcp: lookup {host} " + _RESOLV + ": server misbehaving"
_GO_TIMEOUT = (
    "dial tcp: lookup {host} " + _RESOLV + ": read udp 10.244.{n}.{n}:4{ms}->10.96.0.10:53: "
    "i/o timeout"
)
_JAVA = "java.net.UnknownHostException: {host}: Temporary failure in name resolution"
# (service, share of its requests failing, lookups that fail in its own words)
_VICTIMS = (
    ("catalog", 0.08, (_JAVA,), ("orders-db.data.svc.cluster.local",)),
    ("checkout", 0.1, (_JAVA,), ("orders-db.data.svc.cluster.local", "payments.shop.svc")),
    ("cart", 0.1, (_GO, _GO_TIMEOUT), ("cart-cache.data.svc.cluster.local",)),
    ("inventory", 0.1, (_GO,), ("orders-db.data.svc.cluster.local",)),
    ("recommendations", 0.1, (_GO, _GO_TIMEOUT), ("catalog.shop.svc.cluster.local",)),
    ("api-gateway", 0.04, (_GO, _GO_TIMEOUT), ("search.shop.svc.cluster.local",)),
)
_COREDNS = (
    "[ERROR] plugin/errors: 2 orders-db.data.svc.cluster.local. A: read udp "
    "10.244.1.{n}:4{ms}->10.20.0.2:53: i/o timeout",
    "[ERROR] plugin/errors: 2 api.payprovider.example. AAAA: read udp "
    "10.244.2.{n}:5{ms}->10.20.0.2:53: i/o timeout",
    '[WARNING] plugin/health: Local health request to "http://:8080/health" took more than '
    "1s: 1.{n}s",
)


SCENARIO = Scenario(
    id="frontend-5xx-0521",
    title="frontend 5xx error ratio above threshold",
    description="Storefront pages fail intermittently across the site.",
    seed=521,
    now=NOW,
    rollouts=(
        Rollout(
            "frontend",
            at(NOW, 44),
            image="registry.shop.example/shop/frontend:4.13.0",
            change_cause="release 4.13.0: new product gallery",
        ),
    ),
    effects=(
        Effect("coredns", "cpu", ONSET, 9.0, ramp_s=60.0),
        Effect("coredns", "latency", ONSET, 400.0, ramp_s=90.0),
        Effect("coredns", "error", ONSET + 30, 0.3, ramp_s=120.0),
        *(
            Effect(
                name,
                "error",
                ONSET + 45,
                share,
                ramp_s=120.0,
                code="500",
                templates=tuple(t.replace("{host}", h) for h in hosts for t in templates),
            )
            for name, share, templates, hosts in _VICTIMS
        ),
    ),
    noise=(
        *BACKGROUND,
        NoiseLine(
            "orders-db",
            "",
            "{date} UTC [{n}] WARNING:  there is no transaction in progress",
            45.0,
        ),
        *(NoiseLine("coredns", "", line, 2.0, start=ONSET + 20) for line in _COREDNS),
    ),
    extras=Extras(platform_dependencies=("coredns",)),
    alerts=(error_ratio_alert("frontend", 0.05),),
    truth=TruthSpec(
        component="coredns",
        category="network",
        summary="CoreDNS in kube-system is CPU-starved at its 100m limit: queries slow to "
        "~300 ms and ~30% fail (SERVFAIL, i/o timeouts), so services across the shop fail to "
        "resolve orders-db, cart-cache and each other, and frontend returns 5xx.",
        aliases=("kube-dns", "CoreDNS", "cluster DNS"),
        key_evidence=("SERVFAIL", "coredns", "server misbehaving", "i/o timeout", "throttled"),
        remediation="Raise the coredns CPU limit (or remove it) and scale the coredns "
        "Deployment out; consider NodeLocal DNSCache.",
    ),
)
