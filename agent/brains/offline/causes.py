"""Cause facts from the state of things: pods, events, saturation metrics and new log lines.

Each function reads one kind of tool result and adds facts naming the workload (never the
pod), node or dependency concerned.
"""

from __future__ import annotations

import re
from datetime import datetime

from agent.investigation.state import CallRecord
from agent.k8s_names import workload_of

from . import evidence as ev
from .analysis import Context, Suspects, near_onset
from .evidence import Fact

# Log templates that name their cause, and the fact kind each one supports.
_LOG_CAUSES = (
    (re.compile(r"x509|certificate (has )?expired|tls: .*certificate", re.I), "cert_expired"),
    (re.compile(r"no such host|server misbehaving|dns|lookup .* on .*:53", re.I), "dns"),
    (re.compile(r"could not acquire connection|pool exhausted|too many clients", re.I), "pool"),
    (re.compile(r"connection refused|unavailable|timed? ?out|timeout", re.I), "peer_failing"),
    (re.compile(r"exception|panic|traceback|nullpointer|segfault", re.I), "exception"),
)

# Roles of the saturation queries (see ``queries``) and the fact kind a returned series means.
_METRIC_KINDS = {
    "restarts": "restarts",
    "oom": "oom",
    "throttling": "throttled",
    "memory_vs_limit": "memory_high",
    "node_condition": "node_pressure",
    "hpa_at_max": "hpa_max",
    "pool_saturation": "pool",
    "down": "down",
    "cert_expiry": "cert_expired",
    "dns_failures": "dns",
}


def pod_facts(turns: list[list[CallRecord]], into: Suspects) -> None:
    """OOMKilled, CrashLoopBackOff, evictions and pending pods of the workloads looked at."""
    for record in ev.records(turns, "pod_status"):
        for pod in ev.pods(record):
            name = str(pod.get("name"))
            workload = workload_of(name)
            if pod.get("reason") == "Evicted" or pod.get("phase") == "Failed":
                quote = ev.quote_line(record.output, name)
                node = str(pod.get("node") or "")
                if quote and node:
                    into.add(Fact(node, "evicted", record.id, quote, detail=workload))
            for container in pod.get("containers") or []:
                last = container.get("last_termination") or {}
                if last.get("reason") == "OOMKilled":
                    quote = ev.quote_line(record.output, "OOMKilled")
                    if quote:
                        into.add(
                            Fact(
                                workload,
                                "oom",
                                record.id,
                                quote,
                                at=ev.parse_time(last.get("finished_at")),
                            )
                        )
                if container.get("waiting") == "CrashLoopBackOff":
                    quote = ev.quote_line(record.output, "CrashLoopBackOff")
                    if quote:
                        into.add(Fact(workload, "crashloop", record.id, quote))


def event_facts(turns: list[list[CallRecord]], ctx: Context, into: Suspects) -> None:
    """Warning events: OOM kills, back-offs, evictions and node pressure."""
    # The node each pod looked at ran on: an eviction message often names none.
    ran_on = {
        str(pod.get("name")): str(pod.get("node"))
        for record in ev.records(turns, "pod_status")
        for pod in ev.pods(record)
        if pod.get("node")
    }
    for record in ev.records(turns, "k8s_events"):
        for group in ev.event_groups(record):
            reason = str(group.get("reason"))
            kind, _, name = str(group.get("object")).partition("/")
            quote = ev.quote_line(record.output, f"{reason} {kind}/{name}")
            if not quote:
                continue
            at = ev.parse_time(group.get("first_seen"))
            message = str(group.get("message") or "")
            if reason in (
                "Evicted",
                "EvictionThresholdMet",
                "NodeHasDiskPressure",
                "NodeHasMemoryPressure",
            ):
                node = name if kind == "Node" else _node_in(message) or ran_on.get(name)
                if node:
                    into.add(Fact(node, "evicted", record.id, quote, at=at, detail=reason))
            elif reason in ("OOMKilling", "OOMKilled"):
                into.add(Fact(workload_of(name), "oom", record.id, quote, at=at))
            elif reason == "BackOff":
                into.add(Fact(workload_of(name), "crashloop", record.id, quote, at=at))
            elif reason == "FailedScheduling":
                into.add(Fact(workload_of(name), "pending", record.id, quote, at=at))


def _node_in(message: str) -> str | None:
    """The node an event message names ("node ip-10-0-1-5 ...", "node: gke-pool-1-x").

    Node names are DNS names, in practice with a digit, dot or hyphen in them: a bare word
    after "node" is prose ("The node was low on resource"), not a name.
    """
    for found in re.finditer(r"node[: ]+\"?([a-z0-9][a-z0-9.-]*)", message, re.I):
        name = found.group(1).rstrip(".-")
        if re.search(r"[0-9.-]", name):
            return name
    return None


def metric_facts(
    turns: list[list[CallRecord]], roles: dict[str, str], ctx: Context, into: Suspects
) -> None:
    """Series returned by the filtered saturation queries (each one is a suspicious state).

    ``roles`` maps a call id to the role of its query.
    """
    for record in ev.records(turns, "query_metrics"):
        role = roles.get(record.id)
        if role == "cpu_usage":
            _cpu_spikes(record, ctx, into)
            continue
        kind = _METRIC_KINDS.get(role or "")
        if kind is None:
            continue
        for fact in ev.series(record):
            component = _subject(fact.labels, ctx)
            if kind == "pool" and fact.labels.get("pool_name"):
                # An exhausted client pool points at what the pool connects to.
                component = ev.host_component(fact.labels["pool_name"], ctx.known)
            if not component:
                continue
            quote = ev.quote_line(record.output, *_label_needles(fact.labels))
            if quote:
                into.add(Fact(component, kind, record.id, quote, at=ev.onset(fact)))


def _subject(labels: dict[str, str], ctx: Context) -> str:
    """The component a series is about: node, HPA, container, service or probed host."""
    for key in ("node", "horizontalpodautoscaler", "container", "service"):
        if labels.get(key):
            return workload_of(labels[key])
    if labels.get("instance"):
        return ev.host_component(labels["instance"].split("//")[-1], ctx.known)
    if labels.get("rcode"):
        return next((k for k in sorted(ctx.known) if "dns" in k), "coredns")
    return ""


def _label_needles(labels: dict[str, str]) -> list[str]:
    return [f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__"][:2]


def _cpu_spikes(record: CallRecord, ctx: Context, into: Suspects) -> None:
    """A container outside the catalogue whose CPU use jumped near onset: a noisy neighbour."""
    for fact in ev.series(record):
        name = workload_of(fact.labels.get("container", ""))
        if not name or name in ctx.known or not ev.rose(fact, factor=2.5, floor=0.05):
            continue
        if near_onset(fact.change_at, ctx.onset):
            quote = ev.quote_line(record.output, f'container="{fact.labels["container"]}"')
            if quote:
                into.add(Fact(name, "cpu_spike", record.id, quote, at=fact.change_at))


def log_facts(turns: list[list[CallRecord]], ctx: Context, into: Suspects) -> None:
    """NEW or SPIKE log templates that name a cause, attributed to the workload logging them."""
    for record in ev.records(turns, "query_logs"):
        for template in ev.templates(record):
            if template.get("mark") not in ("NEW", "SPIKE"):
                continue
            text = str(template.get("template") or "")
            kind = next((k for pattern, k in _LOG_CAUSES if pattern.search(text)), None)
            if kind is None:
                continue
            sources = template.get("sources") or {}
            source = next(iter(sorted(sources, key=lambda s: -int(sources[s]))), "")
            workload = workload_of(source.split("=", 1)[-1]) if source else ""
            quote = ev.quote_line(record.output, text[:80])
            if not quote or not workload:
                continue
            at = _first_seen(template)
            if kind == "dns":
                # Name resolution failing is the resolver's fault, seen from its clients.
                resolver = next((k for k in sorted(ctx.known) if "dns" in k), "coredns")
                into.add(Fact(resolver, kind, record.id, quote, at=at, detail=workload))
                continue
            pool = re.search(r"pool=(\w[\w-]*)", text)
            if kind == "pool" and pool:
                component: str | None = ev.host_component(pool.group(1), ctx.known)
            else:
                named = kind in ("peer_failing", "pool")
                component = _named_peer(text, ctx, workload) if named else None
            into.add(Fact(component or workload, kind, record.id, quote, at=at, detail=text[:160]))


def _first_seen(template: dict[str, object]) -> datetime | None:
    return ev.parse_time(template.get("first_seen"))


def _named_peer(text: str, ctx: Context, logger: str) -> str | None:
    """A catalogue component the log line blames (``cart cache unavailable`` → ``cart-cache``).

    A line names its own service too (a logger such as ``com.shop.checkout.Handler``): a
    peer is another component, the longest name first, then by name.
    """
    flat = re.sub(r"[\s_]+", "-", text.lower())
    hits = sorted((k for k in ctx.known if k in flat and k != logger), key=lambda k: (-len(k), k))
    return hits[0] if hits else None
