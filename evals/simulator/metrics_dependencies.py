"""Metrics of what services depend on beyond their own pods, when a scenario asks for them.

OTel client-side latency histograms per peer, blackbox TLS probes of internal endpoints, and
CoreDNS request latency. Each is emitted only for what the scenario declares (``extras``) or
degrades (an effect on ``coredns``), so other scenarios' recordings stay as they were.
"""

from __future__ import annotations

import math

from evals.simulator.lifecycle import Cluster
from evals.simulator.metrics_app import LATENCY_SIGMA, lognormal_cdf, pod_share
from evals.simulator.openmetrics import MetricStore
from evals.simulator.state import STEP_S, States

CLIENT_BUCKETS = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")
CLIENT_TIMEOUT_S = 3.0  # the shop's HTTP clients give up after 3 s, so no call lasts longer
DNS_BUCKETS = ("0.001", "0.004", "0.016", "0.064", "0.256", "1.024", "4.096", "+Inf")
_DNS_QPS = 300.0  # per CoreDNS pod, as in the request counters
_DNS_MEDIAN_S = 0.0008


def _client_share(le: str, median: float) -> float:
    """Share of calls finished within ``le`` seconds, the client's timeout included."""
    bound = float(le)
    return 1.0 if bound >= CLIENT_TIMEOUT_S else lognormal_cdf(bound, median)


def generate_client_histograms(store: MetricStore, cluster: Cluster, states: States) -> None:
    """``http_client_request_duration_seconds`` of every peer of the declared services."""
    scn = cluster.scenario
    if not scn.extras.client_histograms:
        return
    fam = store.family(
        "http_client_request_duration_seconds",
        "histogram",
        "Duration of HTTP client requests (OpenTelemetry semantic conventions).",
    )
    for name in scn.extras.client_histograms:
        svc = scn.world.service(name)
        for pod in cluster.pods_of(name):
            counts: dict[tuple[str, str], float] = {}
            run_start: float | None = None
            for t in states.step_times():
                run = pod.run_at(t)
                if run is None:
                    continue
                if run.start != run_start:  # counters live in the container
                    counts, run_start = {}, run.start
                prev = t - STEP_S
                point = states.at(name, prev)
                n = point.rps * STEP_S * pod_share(cluster, pod, prev) if prev >= run.start else 0.0
                for peer, share in point.calls:
                    callee = states.at(peer, prev)
                    address = (
                        scn.world.datastore(peer).address.split(":")[0]
                        if scn.world.is_datastore(peer)
                        else f"{peer}.shop.svc"
                    )
                    labels = {
                        "namespace": "shop",
                        "service": name,
                        "pod": pod.name,
                        "peer": peer,
                        "server_address": address,
                        "http_request_method": "POST" if svc.method == "POST" else "GET",
                    }
                    calls = n * share
                    for le in CLIENT_BUCKETS:
                        key = (peer, le)
                        counts[key] = counts.get(key, 0.0) + calls * _client_share(
                            le, callee.latency
                        )
                        store.add(fam, "_bucket", {**labels, "le": le}, t, math.floor(counts[key]))
                    spent = calls * min(
                        CLIENT_TIMEOUT_S, callee.latency * math.exp(LATENCY_SIGMA**2 / 2)
                    )
                    counts[(peer, "sum")] = counts.get((peer, "sum"), 0.0) + spent
                    store.add(fam, "_sum", labels, t, counts[(peer, "sum")])
                    store.add(fam, "_count", labels, t, math.floor(counts[(peer, "+Inf")]))


def add_blackbox_probe(
    store: MetricStore, labels: dict[str, str], t: float, status: int, cert_expiry: float
) -> None:
    """One scrape of a blackbox ``http_2xx`` probe: success, HTTP status and certificate expiry.

    ``status`` 0 is a probe that got no HTTP answer (a failed TLS handshake); 2xx is a success.
    """
    f = store.family
    store.add(
        f("probe_success", "gauge", "Displays whether or not the probe was a success."),
        "",
        labels,
        t,
        int(200 <= status < 300),
    )
    status_code = f("probe_http_status_code", "gauge", "Response HTTP status code.")
    store.add(status_code, "", labels, t, status)
    store.add(
        f("probe_ssl_earliest_cert_expiry", "gauge", "Returns last SSL chain expiry in unixtime."),
        "",
        labels,
        t,
        cert_expiry,
    )


def generate_tls_probes(store: MetricStore, cluster: Cluster, states: States) -> None:
    """Blackbox ``http_2xx`` probes of the declared HTTPS endpoints."""
    for probe in cluster.scenario.extras.tls_probes:
        labels = {"job": "blackbox", "instance": probe.target}
        for t in states.step_times():
            ok = t < probe.expiry and cluster.ready_share(probe.component, t) > 0
            # A failed handshake never gets as far as an HTTP status.
            add_blackbox_probe(store, labels, t, 200 if ok else 0, probe.expiry)


def generate_dns_latency(store: MetricStore, cluster: Cluster, states: States) -> None:
    """``coredns_dns_request_duration_seconds`` when the scenario degrades CoreDNS."""
    scn = cluster.scenario
    if not any(e.component == "coredns" for e in scn.effects):
        return
    fam = store.family(
        "coredns_dns_request_duration_seconds",
        "histogram",
        "Histogram of the time (in seconds) each request took per zone.",
    )
    for pod in cluster.pods_of("coredns"):
        labels = {
            "namespace": "kube-system",
            "pod": pod.name,
            "server": "dns://:53",
            "zone": ".",
            "type": "A",
        }
        counts: dict[str, float] = {}
        for t in states.step_times():
            if pod.run_at(t) is None:
                continue
            median = _DNS_MEDIAN_S * (1.0 + scn.level("coredns", "latency", t))
            n = _DNS_QPS * STEP_S
            for le in DNS_BUCKETS:
                counts[le] = counts.get(le, 0.0) + n * lognormal_cdf(float(le), median)
                store.add(fam, "_bucket", {**labels, "le": le}, t, math.floor(counts[le]))
            counts["sum"] = counts.get("sum", 0.0) + n * median * math.exp(LATENCY_SIGMA**2 / 2)
            store.add(fam, "_sum", labels, t, counts["sum"])
            store.add(fam, "_count", labels, t, math.floor(counts["+Inf"]))
