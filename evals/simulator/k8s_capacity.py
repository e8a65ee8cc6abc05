"""HorizontalPodAutoscaler objects (``autoscaling/v2``) for the autoscalers a scenario declares.

A scenario that declares none gets none and draws nothing from the factory, so other bundles'
objects are unchanged.
"""

from __future__ import annotations

from evals.simulator.capacity import Autoscaler
from evals.simulator.capacity_events import autoscaler_uid
from evals.simulator.k8s import Obj, ObjectFactory
from evals.simulator.timefmt import rfc3339

_CREATED_DAYS_BEFORE = 140


def _conditions(hpa: Autoscaler, limited: bool, since: float) -> list[Obj]:
    scaling_limited = (
        (
            "True",
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        )
        if limited
        else ("False", "DesiredWithinRange", "the desired count is within the acceptable range")
    )
    rows = (
        ("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"),
        (
            "ScalingActive",
            "True",
            "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from cpu resource "
            "utilization (percentage of request)",
        ),
        ("ScalingLimited", *scaling_limited),
    )
    return [
        {
            "type": kind,
            "status": status,
            "reason": reason,
            "message": message,
            "lastTransitionTime": rfc3339(since if kind == "ScalingLimited" else since - 86400),
        }
        for kind, status, reason, message in rows
    ]


def autoscaler_object(f: ObjectFactory, hpa: Autoscaler) -> Obj:
    """One HorizontalPodAutoscaler as the API returns it at ``now``."""
    cluster = f.cluster
    scn = cluster.scenario
    wl = scn.world.workload(hpa.workload)
    current = cluster.desired(wl.name, scn.now)
    limited = current >= hpa.max_replicas and hpa.utilisation > hpa.target_cpu
    created = scn.now - _CREATED_DAYS_BEFORE * 86400
    last_scale = hpa.scaled_at if hpa.scaled_at is not None else created + 3600
    status: Obj = {
        "lastScaleTime": rfc3339(last_scale),
        "currentReplicas": current,
        "desiredReplicas": current,
        "currentMetrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {
                        "averageUtilization": hpa.utilisation,
                        "averageValue": f"{round(wl.cpu_cores * hpa.utilisation * 10)}m",
                    },
                },
            }
        ],
        "conditions": _conditions(hpa, limited, last_scale if limited else created + 3600),
    }
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": f.meta(
            wl.name,
            wl.namespace,
            created,
            scn.now - 15,
            {"app": wl.name, "team": wl.team},
            autoscaler_uid(cluster, wl.name),
            manager="kube-controller-manager",
        ),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": wl.name},
            "minReplicas": hpa.min_replicas,
            "maxReplicas": hpa.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": hpa.target_cpu},
                    },
                }
            ],
        },
        "status": status,
    }


def autoscaler_objects(f: ObjectFactory) -> list[Obj]:
    """Every declared autoscaler's object."""
    return [autoscaler_object(f, hpa) for hpa in f.cluster.scenario.capacity.autoscalers]
