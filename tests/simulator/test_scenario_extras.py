"""Scenario extras and the refuse/cpu effects change what they should, and only that."""

from __future__ import annotations

import math
from dataclasses import replace

from evals.simulator import lifecycle, state
from evals.simulator.bundle import scenario
from evals.simulator.extras import ConfigMapSpec, Extras, WarningEvent
from evals.simulator.k8s import ObjectFactory
from evals.simulator.k8s_extras import extra_objects
from evals.simulator.metrics_app import generate_containers
from evals.simulator.metrics_dependencies import (
    CLIENT_TIMEOUT_S,
    generate_client_histograms,
    generate_tls_probes,
)
from evals.simulator.metrics_infra import generate_exporters
from evals.simulator.openmetrics import MetricStore
from evals.simulator.scenario import Effect, Scenario
from evals.simulator.timefmt import rfc3339


def _run(scn: Scenario) -> tuple[lifecycle.Cluster, state.States]:
    cluster = lifecycle.simulate(scn)
    return cluster, state.compute(scn, cluster)


def test_refused_connections_fail_callers_and_starve_the_callee() -> None:
    scn = scenario("checkout-5xx-0514")
    calm = replace(scn, effects=())
    (_, broken), (_, healthy) = _run(scn), _run(calm)
    late = scn.now - 120
    assert broken.at("inventory", late).rps < 0.05 * healthy.at("inventory", late).rps
    assert broken.at("inventory", late).err == 0.0  # the handler never sees the failures
    assert broken.at("checkout", late).err > 0.9
    assert healthy.at("checkout", late).err < 0.05
    early = scn.start + 300
    assert broken.at("checkout", early) == healthy.at("checkout", early)


def test_cpu_effect_pins_usage_at_the_limit_and_throttles() -> None:
    scn = scenario("frontend-5xx-0521")
    cluster, states = _run(scn)
    store = MetricStore()
    generate_containers(store, cluster, states)
    pods = [p.name for p in cluster.pods_of("coredns")]
    for pod in pods:
        ((_, throttled),) = store.select("container_cpu_cfs_throttled_periods_total", pod=pod)
        ((_, used),) = store.select("container_cpu_usage_seconds_total", pod=pod)
        assert [v for t, v in throttled if t < scn.start + 600][-1] == 0, pod
        (t0, v0), (t1, v1) = throttled[-11], throttled[-1]
        assert (v1 - v0) / ((t1 - t0) * 10) > 0.5, pod  # throttled in most periods
        (t0, v0), (t1, v1) = used[-11], used[-1]
        assert (v1 - v0) / (t1 - t0) <= 0.1 + 1e-9, pod  # never above the 100m limit


def test_servfail_share_follows_the_coredns_error_effect() -> None:
    scn = scenario("frontend-5xx-0521")
    cluster, states = _run(scn)
    store = MetricStore()
    generate_exporters(store, cluster, states)
    by_rcode: dict[str, float] = {}
    for labels, samples in store.select("coredns_dns_responses_total"):
        values = [v for _, v in samples]
        assert values == sorted(values), labels  # counters never go down
        # the last five minutes, when the effect is at its full level
        by_rcode[labels["rcode"]] = by_rcode.get(labels["rcode"], 0.0) + values[-1] - values[-11]
    share = by_rcode["SERVFAIL"] / sum(by_rcode.values())
    assert 0.25 < share < 0.35
    calm = replace(scn, effects=())
    store = MetricStore()
    generate_exporters(store, *_run(calm))
    assert not list(store.select("coredns_dns_responses_total", rcode="SERVFAIL"))


def test_client_histogram_is_bounded_by_the_client_timeout() -> None:
    scn = scenario("checkout-latency-0502")
    store = MetricStore()
    generate_client_histograms(store, *_run(scn))
    series = list(store.select("http_client_request_duration_seconds_bucket", peer="carrier-api"))
    assert series
    for labels, samples in series:
        if float(labels["le"]) >= CLIENT_TIMEOUT_S:
            total = next(
                s
                for lab, s in store.select(
                    "http_client_request_duration_seconds_count", pod=labels["pod"]
                )
            )
            assert samples == total
    pod = series[0][0]["pod"]
    ((_, fast),) = [(lab, s) for lab, s in series if lab["le"] == "1" and lab["pod"] == pod]
    ((_, count),) = store.select("http_client_request_duration_seconds_count", pod=pod)
    # at the end, hardly any carrier call finishes within a second
    assert fast[-1][1] - fast[-11][1] < 0.05 * (count[-1][1] - count[-11][1])


def test_tls_probe_fails_from_expiry() -> None:
    scn = scenario("checkout-5xx-0514")
    store = MetricStore()
    generate_tls_probes(store, *_run(scn))
    probe = scn.extras.tls_probes[0]
    ((_, success),) = store.select("probe_success", instance=probe.target)
    assert all(v == (1 if t < probe.expiry else 0) for t, v in success)
    ((_, expiry),) = store.select("probe_ssl_earliest_cert_expiry", instance=probe.target)
    assert {v for _, v in expiry} == {probe.expiry}


def test_extra_objects_carry_their_update_times() -> None:
    base = scenario("checkout-5xx-0412")
    edited = base.now - 600
    scn = replace(
        base,
        extras=Extras(
            config_maps=(ConfigMapSpec("shop", "x-config", (("K", "v"),), edited),),
            warnings=(
                WarningEvent("v1", "Thing", "shop", "t", "Bad", "m", edited - 60, edited, 3, "c"),
            ),
        ),
    )
    objects = extra_objects(ObjectFactory(lifecycle.simulate(scn)))
    cm, ev = objects
    assert cm["data"] == {"K": "v"}
    assert cm["metadata"]["managedFields"][0]["time"] == rfc3339(edited)
    assert ev["count"] == 3 and ev["lastTimestamp"] == rfc3339(edited)
    assert extra_objects(ObjectFactory(lifecycle.simulate(base))) == []


def test_effect_kinds_are_inert_on_components_without_them() -> None:
    scn = scenario("checkout-5xx-0412")
    noisy = replace(scn, effects=(*scn.effects, Effect("coredns", "refuse", scn.start, 0.0)))
    (_, a), (_, b) = _run(scn), _run(noisy)
    assert a.table == b.table
    assert not math.isnan(a.at("checkout", scn.now).latency)
