"""Pods over time: revisions, rollouts, container runs, OOMKills and crash loops.

Everything here is decided once, before any telemetry is generated, so metrics, logs, traces and
Kubernetes objects all see the same pods restarting at the same seconds.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field

from evals.simulator.scenario import Rollout, Scenario
from evals.simulator.world import Workload

READY_DELAY_S = 10.0
_BACKOFF_START_S = 10.0
_BACKOFF_MAX_S = 300.0
_BACKOFF_RESET_S = 600.0
_OOM_CHECK_S = 5.0
_WARMUP_TAU_S = 120.0
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def new_uid(rng: random.Random) -> str:
    """A deterministic random UUID."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _suffix(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_NAME_ALPHABET) for _ in range(n))


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision of a workload's pod template (a ReplicaSet for Deployments)."""

    number: int
    created: float
    image: str
    env: tuple[tuple[str, str], ...]
    memory_limit_mi: int
    template_hash: str
    uid: str
    change_cause: str = ""


@dataclass(slots=True)
class Run:
    """One run of a pod's main container; ``end`` is None while it is still running."""

    start: float
    end: float | None = None
    reason: str = ""
    exit_code: int = 0


@dataclass(slots=True)
class Pod:
    """A pod and the runs of its container."""

    name: str
    uid: str
    workload: Workload
    revision: Revision
    node: str
    ip: str
    created: float
    deleted: float | None
    phase: float
    runs: list[Run] = field(default_factory=list)
    evicted: float | None = None  # kubelet evicted it: the object stays, phase Failed

    def alive(self, t: float) -> bool:
        """Whether the pod object exists at ``t``."""
        return self.created <= t and (self.deleted is None or t < self.deleted)

    def run_at(self, t: float) -> Run | None:
        """The container run in progress at ``t``."""
        if not self.alive(t):
            return None
        for run in self.runs:
            if run.start <= t and (run.end is None or t < run.end):
                return run
        return None

    def ready(self, t: float) -> bool:
        """Whether the pod passes its readiness probe at ``t``."""
        run = self.run_at(t)
        return run is not None and t >= run.start + READY_DELAY_S

    def restarts_at(self, t: float) -> int:
        """The container's restart count at ``t``."""
        return sum(1 for run in self.runs[1:] if run.start <= t)

    def last_termination(self, t: float) -> Run | None:
        """The most recent run that ended by ``t`` with a failure reason."""
        ended = [r for r in self.runs if r.end is not None and r.end <= t and r.reason]
        return ended[-1] if ended else None


@dataclass(slots=True)
class Cluster:
    """The pods and revisions of every workload over the window."""

    scenario: Scenario
    revisions: dict[str, list[Revision]]
    pods: list[Pod]
    uids: dict[str, str]

    def pods_of(self, workload: str) -> list[Pod]:
        """Every pod of ``workload``, in creation order."""
        return [p for p in self.pods if p.workload.name == workload]

    def desired(self, workload: str, t: float) -> int:
        """The workload's desired replicas at ``t`` (raised by an autoscaler that scaled up)."""
        hpa = self.scenario.capacity.autoscaler(workload)
        if hpa is not None and hpa.scaled_at is not None and t >= hpa.scaled_at:
            return hpa.max_replicas
        return self.scenario.world.workload(workload).replicas

    def ready_share(self, workload: str, t: float) -> float:
        """Ready pods divided by desired replicas at ``t``."""
        wl = self.scenario.world.workload(workload)
        ready = sum(1 for p in self.pods_of(workload) if p.ready(t))
        return min(1.0, ready / wl.replicas)

    def memory_mi(self, pod: Pod, t: float) -> float:
        """The container's working set at ``t`` (0 when not running)."""
        run = pod.run_at(t)
        if run is None:
            return 0.0
        demand = pod.workload.memory_mi * (
            1.0 + self.scenario.level(pod.workload.name, "memory", t)
        )
        warm = 0.55 + 0.45 * (1.0 - math.exp(-(t - run.start) / _WARMUP_TAU_S))
        return demand * warm * (1.0 + 0.02 * math.sin(t / 173.0 + pod.phase))


def _revisions(scn: Scenario, wl: Workload, rng: random.Random) -> list[Revision]:
    """The two revisions before the window and one per rollout of this workload."""
    first = rng.randint(3, 17)
    pinned = [r.revision for r in scn.rollouts if r.workload == wl.name and r.revision]
    first = min(pinned) - 2 if pinned else first
    major, minor, patch = [*wl.image.rsplit(":", 1)[1].split("."), "0", "0"][:3]
    base = wl.image.rsplit(":", 1)[0]
    older = f"{base}:{major}.{minor}.{max(0, int(patch) - 1)}" if patch.isdigit() else wl.image
    ages = sorted((rng.uniform(9, 30) * 86400, rng.uniform(1.5, 8) * 86400), reverse=True)
    revs = [
        Revision(
            first + i,
            scn.now - age,
            img,
            wl.env,
            wl.memory_limit_mi,
            _suffix(rng, 10),
            new_uid(rng),
        )
        for i, (age, img) in enumerate(zip(ages, (older, wl.image), strict=True))
    ]
    for ro in sorted((r for r in scn.rollouts if r.workload == wl.name), key=lambda r: r.at):
        prev = revs[-1]
        env = tuple({**dict(prev.env), **dict(ro.env)}.items())
        revs.append(
            Revision(
                prev.number + 1,
                ro.at,
                ro.image or prev.image,
                env,
                ro.memory_limit_mi or prev.memory_limit_mi,
                _suffix(rng, 10),
                new_uid(rng),
                ro.change_cause,
            )
        )
    return revs


def _simulate_runs(cluster: Cluster, pod: Pod, first_start: float) -> None:
    """Fill ``pod.runs``: restart after OOMKills and crashes with kubelet's back-off."""
    scn = cluster.scenario
    stop = min(scn.now, pod.deleted if pod.deleted is not None else math.inf)
    start, backoff = first_start, _BACKOFF_START_S
    while start < stop:
        run = Run(start)
        pod.runs.append(run)
        # Before the window nothing breaks, so skip the days-long quiet part of old runs.
        t = max(start, scn.start - _BACKOFF_RESET_S)
        while t < stop:
            if scn.level(pod.workload.name, "crash", t) > 0.5 and t >= start + 6.0:
                run.end, run.reason, run.exit_code = t, "Error", 1
                break
            if cluster.memory_mi(pod, t) >= pod.revision.memory_limit_mi:
                run.end, run.reason, run.exit_code = t, "OOMKilled", 137
                break
            t += _OOM_CHECK_S
        if run.end is None:
            return
        backoff = _BACKOFF_START_S if run.end - run.start > _BACKOFF_RESET_S else backoff
        start = run.end + backoff
        backoff = min(_BACKOFF_MAX_S, backoff * 2)


def _pod_name(wl: Workload, rev: Revision, index: int, rng: random.Random) -> str:
    if wl.kind == "StatefulSet":
        return f"{wl.name}-{index}"
    if wl.kind == "DaemonSet":
        return f"{wl.name}-{_suffix(rng, 5)}"
    return f"{wl.name}-{rev.template_hash}-{_suffix(rng, 5)}"


def _rollout_of(scn: Scenario, wl: Workload, rev: Revision) -> Rollout | None:
    return next((r for r in scn.rollouts if r.workload == wl.name and r.at == rev.created), None)


def _scale_up(cluster: Cluster, rng: random.Random) -> None:
    """Add the pods autoscalers created: current revision, spread over the nodes."""
    scn = cluster.scenario
    nodes = scn.world.nodes
    for hpa in scn.capacity.autoscalers:
        if hpa.scaled_at is None:
            continue
        wl = scn.world.workload(hpa.workload)
        wl_index = scn.world.workloads.index(wl)
        rev = cluster.revisions[wl.name][-1]
        for i in range(wl.replicas, hpa.max_replicas):
            node = nodes[(wl_index + i) % len(nodes)]
            created = hpa.scaled_at + 1.0 + 0.4 * (i - wl.replicas)
            pod = _new_pod(wl, rev, i, node, nodes.index(node), created, rng)
            cluster.pods.append(pod)
            _simulate_runs(cluster, pod, created + rng.uniform(2.0, 4.0))


def _evict(cluster: Cluster, rng: random.Random) -> None:
    """Evict the pods of pressured nodes; their replacements stay Pending (no node has room)."""
    scn = cluster.scenario
    for pressure in scn.capacity.pressures:
        victims = [
            p
            for p in cluster.pods
            if p.node == pressure.node
            and p.workload.kind == "Deployment"
            and p.workload.namespace in pressure.evict_namespaces
            and p.run_at(pressure.start) is not None
        ]
        rng.shuffle(victims)  # kubelet ranks by usage above requests; it looks arbitrary
        for k, pod in enumerate(victims):
            at = pressure.start + 4.0 + k * pressure.evict_every_s
            pod.evicted = at
            pod.runs = [r for r in pod.runs if r.start < at]
            last = pod.runs[-1]
            if last.end is None or last.end > at:
                last.end, last.reason, last.exit_code = at, "", 137
            cluster.pods.append(
                Pod(
                    _pod_name(pod.workload, pod.revision, 0, rng),
                    new_uid(rng),
                    pod.workload,
                    pod.revision,
                    "",  # unscheduled
                    "",
                    at + rng.uniform(0.3, 0.9),
                    None,
                    rng.uniform(0, 6.28),
                )
            )


def simulate(scn: Scenario) -> Cluster:
    """Decide every pod, revision and container run of the scenario's window."""
    rng = random.Random(f"{scn.seed}/lifecycle")
    cluster = Cluster(scn, {}, [], {})
    nodes = scn.world.nodes
    for wl_index, wl in enumerate(scn.world.workloads):
        cluster.uids[wl.name] = new_uid(rng)
        revs = _revisions(scn, wl, rng)
        cluster.revisions[wl.name] = revs
        slots: list[Pod | None] = [None] * wl.replicas
        for rev in revs[1:]:
            rollout = _rollout_of(scn, wl, rev)
            for i in range(wl.replicas):
                node = (
                    nodes[i % len(nodes)]
                    if wl.kind == "DaemonSet"
                    else nodes[(wl_index + i) % len(nodes)]
                )
                created = rev.created + (i * rollout.pod_interval_s + 1.0 if rollout else 0.0)
                pod = _new_pod(wl, rev, i, node, nodes.index(node), created, rng)
                old = slots[i]
                if old is not None:
                    old.deleted = created + READY_DELAY_S + rng.uniform(4.0, 8.0)
                    old.runs = [r for r in old.runs if r.start < old.deleted]
                    last = old.runs[-1]
                    if last.end is None or last.end > old.deleted:
                        last.end, last.reason, last.exit_code = old.deleted, "", 0
                slots[i] = pod
                cluster.pods.append(pod)
                pull_s = rng.uniform(3.0, 9.0) if rollout and rollout.image else 1.5
                _simulate_runs(cluster, pod, created + pull_s)
    # A separate stream keeps every pod above identical whether or not these are declared.
    extra_rng = random.Random(f"{scn.seed}/capacity")
    _scale_up(cluster, extra_rng)
    _evict(cluster, extra_rng)
    return cluster


def _new_pod(
    wl: Workload,
    rev: Revision,
    index: int,
    node: str,
    node_index: int,
    created: float,
    rng: random.Random,
) -> Pod:
    """A pod of ``rev`` on ``node``; draws from ``rng`` in a fixed order (ip, name, uid, phase)."""
    ip = f"10.244.{node_index}.{rng.randint(2, 250)}"
    return Pod(
        _pod_name(wl, rev, index, rng),
        new_uid(rng),
        wl,
        rev,
        node,
        ip,
        created,
        None,
        rng.uniform(0, 6.28),
    )
