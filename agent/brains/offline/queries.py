"""Which metrics exist, and the PromQL the investigator asks of them.

Metric names are discovered (``list_metrics``), never assumed: each *role* (request counter,
latency histogram, restarts, ...) is filled by the discovered name that fits its pattern, and
a query is built only for the roles that were found. Label conventions are the exporters'
(kube-state-metrics, cAdvisor, node-exporter, blackbox, CoreDNS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

STATUS_LABELS = ("code", "status_code", "status", "http_status", "response_code")
SERVICE_LABELS = ("service", "app", "job")


@dataclass(frozen=True, slots=True)
class Metrics:
    """The discovered metric names with the label names seen on them."""

    labels: Mapping[str, list[str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Every discovered name, sorted."""
        return sorted(self.labels)

    def find(self, pattern: str, exclude: str = r"$^") -> str | None:
        """The first name (sorted) matching ``pattern`` and not ``exclude``."""
        return next(
            (n for n in self.names() if re.search(pattern, n) and not re.search(exclude, n)),
            None,
        )

    def label(self, name: str, choices: Iterable[str]) -> str | None:
        """The first of ``choices`` that ``name`` carries."""
        have = set(self.labels.get(name, []))
        return next((c for c in choices if c in have), None)


def merge_listings(listings: Iterable[Mapping[str, object]]) -> Metrics:
    """Combine ``list_metrics`` data (``names`` and sampled ``labels``) into one ``Metrics``."""
    merged: dict[str, list[str]] = {}
    for data in listings:
        sampled = data.get("labels")
        labels = sampled if isinstance(sampled, dict) else {}
        for name in data.get("names") or []:  # type: ignore[attr-defined]
            known = merged.setdefault(str(name), [])
            for label in labels.get(name) or []:
                if label not in known:
                    known.append(str(label))
    return Metrics(merged)


@dataclass(frozen=True, slots=True)
class Query:
    """A PromQL query with the role it answers."""

    role: str
    promql: str


def _ns(namespaces: Iterable[str]) -> str:
    return "|".join(sorted(namespaces))


def request_queries(metrics: Metrics, namespaces: Iterable[str]) -> list[Query]:
    """Per-service error ratio and p99 latency, from the discovered server-side metrics."""
    ns = _ns(namespaces)
    out = []
    counter = next(
        (
            n
            for n in metrics.names()
            if re.search(r"request", n)
            and re.search(r"_total$|_count$", n)
            and not re.search(r"client|duration|seconds|bytes", n)
            and metrics.label(n, STATUS_LABELS)
        ),
        None,
    )
    if counter is not None:
        code = metrics.label(counter, STATUS_LABELS)
        by = metrics.label(counter, SERVICE_LABELS) or "pod"
        sel = f'namespace=~"{ns}"'
        out.append(
            Query(
                "error_ratio",
                f'sum by ({by}) (rate({counter}{{{sel},{code}=~"5.."}}[5m])) / '
                f"sum by ({by}) (rate({counter}{{{sel}}}[5m]))",
            )
        )
    histogram = metrics.find(r"(duration|latency).*_bucket$", exclude=r"client")
    if histogram is not None:
        by = metrics.label(histogram, SERVICE_LABELS) or "pod"
        out.append(
            Query(
                "latency_p99",
                f"histogram_quantile(0.99, sum by ({by}, le) "
                f'(rate({histogram}{{namespace=~"{ns}"}}[5m])))',
            )
        )
    return out


def saturation_queries(metrics: Metrics, namespaces: Iterable[str]) -> list[Query]:
    """Filtered queries: each returns only the series in a suspicious state."""
    ns = f'namespace=~"{_ns(namespaces)}"'
    out: list[Query] = []

    def add(role: str, *needed: str | None, promql: str) -> None:
        if all(needed):
            out.append(Query(role, promql))

    restarts = metrics.find(r"restarts_total$")
    add(
        "restarts",
        restarts,
        promql=f"sum by (namespace, container) (increase({restarts}{{{ns}}}[10m])) > 0",
    )
    oom = metrics.find(r"oom_events_total$|oom_kill")
    add("oom", oom, promql=f"sum by (namespace, container) (increase({oom}{{{ns}}}[10m])) > 0")
    throttled = metrics.find(r"cfs_throttled_periods_total$")
    periods = metrics.find(r"cfs_periods_total$")
    add(
        "throttling",
        throttled,
        periods,
        promql=f"sum by (namespace, container) (rate({throttled}{{{ns}}}[5m])) / "
        f"sum by (namespace, container) (rate({periods}{{{ns}}}[5m])) > 0.25",
    )
    cpu = metrics.find(r"container_cpu_usage_seconds_total$")
    add(
        "cpu_usage",
        cpu,
        promql=f"topk(3, sum by (namespace, container) (rate({cpu}{{{ns}}}[5m])))",
    )
    memory = metrics.find(r"memory_working_set_bytes$")
    limits = metrics.find(r"container_resource_limits$")
    add(
        "memory_vs_limit",
        memory,
        limits,
        promql=f"max by (namespace, container) ({memory}{{{ns}}}) / max by (namespace, container) "
        f'({limits}{{{ns},resource="memory"}}) > 0.85',
    )
    condition = metrics.find(r"node_status_condition$")
    add(
        "node_condition",
        condition,
        promql=f'max by (node, condition) ({condition}{{condition!="Ready",status="true"}}) > 0 '
        f'or max by (node, condition) ({condition}{{condition="Ready",status="true"}}) == 0',
    )
    hpa_current = metrics.find(r"horizontalpodautoscaler_status_current_replicas$")
    hpa_max = metrics.find(r"horizontalpodautoscaler_spec_max_replicas$")
    add(
        "hpa_at_max",
        hpa_current,
        hpa_max,
        promql=f"max by (namespace, horizontalpodautoscaler) ({hpa_current}{{{ns}}}) / "
        f"max by (namespace, horizontalpodautoscaler) ({hpa_max}{{{ns}}}) >= 1",
    )
    pool_used = metrics.find(r"connections_usage$")
    pool_max = metrics.find(r"connections_max$")
    add(
        "pool_saturation",
        pool_used,
        pool_max,
        promql=f'sum by (namespace, service) ({pool_used}{{{ns},state="used"}}) / '
        f"sum by (namespace, service) ({pool_max}{{{ns}}}) >= 0.9",
    )
    ups = [n for n in metrics.names() if re.fullmatch(r"[a-z]+_up", n)]
    if ups:
        out.append(
            Query(
                "down",
                f'min by (namespace, service, __name__) ({{__name__=~"{"|".join(ups)}",{ns}}}) == 0',
            )
        )
    expiry = metrics.find(r"ssl_earliest_cert_expiry$")
    add("cert_expiry", expiry, promql=f"min by (instance) ({expiry} - time()) < 86400 * 7")
    dns = metrics.find(r"dns_responses_total$")
    add(
        "dns_failures",
        dns,
        promql=f'sum by (namespace, rcode) (rate({dns}{{{ns},rcode=~"SERVFAIL|REFUSED"}}[5m])) > 0',
    )
    return out
