"""core/v1 Events of the last hour, derived from the pod lifecycle.

They are aggregated like kubelet and the controllers do: same object and reason, one Event
with a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evals.simulator.k8s import Obj, ObjectFactory
from evals.simulator.lifecycle import READY_DELAY_S, Pod
from evals.simulator.timefmt import rfc3339

EVENT_TTL_S = 3600


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One time something happened to an object, before aggregation into an Event."""

    t: float
    kind: str
    name: str
    namespace: str
    uid: str
    reason: str
    message: str
    type: str
    component: str


def _pod_events(pod: Pod) -> list[Occurrence]:
    wl = pod.workload
    ns, c = wl.namespace, wl.name

    def ev(
        t: float, reason: str, msg: str, kind: str = "Normal", comp: str = "kubelet"
    ) -> Occurrence:
        return Occurrence(t, "Pod", pod.name, ns, pod.uid, reason, msg, kind, comp)

    out: list[Occurrence] = []
    if pod.runs:
        first = pod.runs[0].start
        out += [
            ev(
                pod.created,
                "Scheduled",
                f"Successfully assigned {ns}/{pod.name} to {pod.node}",
                comp="default-scheduler",
            ),
            ev(pod.created + 0.5, "Pulling", f'Pulling image "{pod.revision.image}"'),
            ev(first - 0.2, "Pulled", f'Successfully pulled image "{pod.revision.image}"'),
        ]
    for i, run in enumerate(pod.runs):
        if i:
            out.append(
                ev(
                    run.start - 0.2,
                    "Pulled",
                    f'Container image "{pod.revision.image}" already present on machine',
                )
            )
        out += [
            ev(run.start, "Created", f"Created container {c}"),
            ev(run.start + 0.3, "Started", f"Started container {c}"),
        ]
        if run.reason and run.end is not None:
            out.append(
                ev(
                    run.end + 0.5,
                    "Unhealthy",
                    "Readiness probe failed: Get "
                    f'"http://{pod.ip}:{wl.port}/ready": dial tcp {pod.ip}:{wl.port}: '
                    "connect: connection refused",
                    "Warning",
                )
            )
            out.append(
                ev(
                    run.end + 1.0,
                    "BackOff",
                    f"Back-off restarting failed container {c} in pod {pod.name}_{ns}({pod.uid})",
                    "Warning",
                )
            )
        if run.reason == "OOMKilled" and run.end is not None:
            out.append(
                Occurrence(
                    run.end,
                    "Node",
                    pod.node,
                    "",
                    "",
                    "OOMKilling",
                    f"Memory cgroup out of memory: Killed process "
                    f"{1000 + i * 37} ({c}) total-vm:2431684kB, "
                    f"anon-rss:{pod.revision.memory_limit_mi * 1024}kB, "
                    f"file-rss:0kB, shmem-rss:0kB",
                    "Warning",
                    "kernel-monitor",
                )
            )
    if pod.deleted is not None:
        out.append(ev(pod.deleted, "Killing", f"Stopping container {c}"))
    return out


def _rollout_events(f: ObjectFactory) -> list[Occurrence]:
    out: list[Occurrence] = []
    cl = f.cluster
    for wl in cl.scenario.world.workloads:
        if wl.kind != "Deployment":
            continue
        uid = cl.uids[wl.name]
        pods = cl.pods_of(wl.name)
        for old_rev, new_rev in zip(
            cl.revisions[wl.name][1:], cl.revisions[wl.name][2:], strict=False
        ):
            new = [p for p in pods if p.revision is new_rev]
            old = [p for p in pods if p.revision is old_rev]
            new_rs, old_rs = (f"{wl.name}-{r.template_hash}" for r in (new_rev, old_rev))
            for i, (p_new, p_old) in enumerate(zip(new, old, strict=False)):
                out.append(
                    Occurrence(
                        p_new.created - 0.5,
                        "Deployment",
                        wl.name,
                        wl.namespace,
                        uid,
                        "ScalingReplicaSet",
                        f"Scaled up replica set {new_rs} to {i + 1}",
                        "Normal",
                        "deployment-controller",
                    )
                )
                out.append(
                    Occurrence(
                        p_new.created,
                        "ReplicaSet",
                        new_rs,
                        wl.namespace,
                        new_rev.uid,
                        "SuccessfulCreate",
                        f"Created pod: {p_new.name}",
                        "Normal",
                        "replicaset-controller",
                    )
                )
                t = p_new.created + READY_DELAY_S + 3
                out.append(
                    Occurrence(
                        t,
                        "Deployment",
                        wl.name,
                        wl.namespace,
                        uid,
                        "ScalingReplicaSet",
                        f"Scaled down replica set {old_rs} to {len(old) - i - 1}",
                        "Normal",
                        "deployment-controller",
                    )
                )
                out.append(
                    Occurrence(
                        t + 0.2,
                        "ReplicaSet",
                        old_rs,
                        wl.namespace,
                        old_rev.uid,
                        "SuccessfulDelete",
                        f"Deleted pod: {p_old.name}",
                        "Normal",
                        "replicaset-controller",
                    )
                )
    return out


def event_objects(f: ObjectFactory, extra: Sequence[Occurrence] = ()) -> list[Obj]:
    """Aggregated Events whose last occurrence is within the hour before ``now``.

    ``extra`` holds occurrences other modules derive (node pressure, autoscaling).
    """
    scn = f.cluster.scenario
    occurrences = [o for p in f.cluster.pods for o in _pod_events(p)] + _rollout_events(f)
    occurrences += extra
    groups: dict[tuple[str, str, str, str], list[Occurrence]] = {}
    for o in sorted(occurrences, key=lambda o: (o.t, o.name, o.reason)):
        if scn.now - EVENT_TTL_S <= o.t <= scn.now:
            key = (o.kind, o.namespace, o.name, o.reason + o.message)
            groups.setdefault(key, []).append(o)
    out: list[Obj] = []
    for group in groups.values():
        o, last = group[0], group[-1]
        name = f"{o.name}.{f.rng.getrandbits(64):016x}"[:63]
        involved: Obj = {"kind": o.kind, "name": o.name}
        if o.namespace:
            involved["namespace"] = o.namespace
        if o.uid:
            involved["uid"] = o.uid
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": f.meta(name, o.namespace or "default", o.t, last.t),
                "involvedObject": involved,
                "reason": o.reason,
                "message": o.message,
                "type": o.type,
                "count": len(group),
                "firstTimestamp": rfc3339(o.t),
                "lastTimestamp": rfc3339(last.t),
                "source": {"component": o.component},
            }
        )
    return out
