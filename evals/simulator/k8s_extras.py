"""Kubernetes objects a scenario declares in ``extras``: edited ConfigMaps and Warning Events.

They come after the cluster's own objects and before the lifecycle Events, and draw nothing
from the factory when a scenario declares none, so other scenarios' objects are unchanged.
"""

from __future__ import annotations

from evals.simulator.k8s import Obj, ObjectFactory
from evals.simulator.timefmt import rfc3339

_CREATED_DAYS_BEFORE = 210


def extra_objects(f: ObjectFactory) -> list[Obj]:
    """The scenario's ConfigMaps and Warning Events as the API returns them at ``now``."""
    scn = f.cluster.scenario
    out: list[Obj] = []
    for cm in scn.extras.config_maps:
        out.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": f.meta(
                    cm.name,
                    cm.namespace,
                    scn.now - _CREATED_DAYS_BEFORE * 86400,
                    cm.updated,
                    dict(cm.labels),
                    manager=cm.manager,
                ),
                "data": dict(cm.data),
            }
        )
    for ev in scn.extras.warnings:
        name = f"{ev.name}.{f.rng.getrandbits(64):016x}"[:63]
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": f.meta(name, ev.namespace, ev.first, ev.last),
                "involvedObject": {
                    "apiVersion": ev.api_version,
                    "kind": ev.kind,
                    "name": ev.name,
                    "namespace": ev.namespace,
                },
                "reason": ev.reason,
                "message": ev.message,
                "type": "Warning",
                "count": ev.count,
                "firstTimestamp": rfc3339(ev.first),
                "lastTimestamp": rfc3339(ev.last),
                "source": {"component": ev.component},
            }
        )
    return out
