"""Server-side printing: ``meta.k8s.io/v1`` ``Table`` responses for ``kubectl get``.

``kubectl get`` asks for a Table and prints its cells; without one it falls back to NAME and
AGE, with ages measured from the wall clock. Serving Tables gives ``kubectl`` the columns an
investigator looks at (READY, STATUS, RESTARTS …) and ages measured from the recorded moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from agent.replay.kubernetes.catalog import ResourceType

Obj = Mapping[str, Any]
Cells = Callable[[Obj, datetime], list[Any]]


def wants_table(accept: str) -> bool:
    """Whether an ``Accept`` header asks for a ``Table`` (as ``kubectl get`` does)."""
    return "as=Table" in accept and "g=meta.k8s.io" in accept


def _parse(timestamp: Any) -> datetime | None:
    if not isinstance(timestamp, str) or not timestamp:
        return None
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def human_duration(span: timedelta) -> str:
    """Format a duration as kubectl does (``apimachinery/pkg/util/duration.HumanDuration``)."""
    seconds = int(span.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if years < 8:
        return f"{years}y{days % 365}d" if days % 365 else f"{years}y"
    return f"{years}y"


def _age(timestamp: Any, now: datetime) -> str:
    moment = _parse(timestamp)
    return human_duration(now - moment) if moment else "<unknown>"


def _pod_cells(pod: Obj, now: datetime) -> list[Any]:
    """READY, STATUS, RESTARTS as ``kubectl get pods`` prints them (the common cases)."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    reason = status.get("reason") or status.get("phase") or "Unknown"
    restarts, last_restart = 0, None
    for container in statuses:
        restarts += int(container.get("restartCount") or 0)
        finished = _parse(
            ((container.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        )
        if finished and (last_restart is None or finished > last_restart):
            last_restart = finished
        state = container.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            terminated = state["terminated"]
            reason = terminated.get("reason") or f"ExitCode:{terminated.get('exitCode', 0)}"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating"
    ready = sum(1 for c in statuses if c.get("ready"))
    total = len(spec.get("containers") or statuses)
    restart_cell = str(restarts)
    if restarts and last_restart is not None:
        restart_cell += f" ({human_duration(now - last_restart)} ago)"
    return [f"{ready}/{total}", reason, restart_cell]


def _workload_cells(obj: Obj, _now: datetime) -> list[Any]:
    """READY, UP-TO-DATE, AVAILABLE for deployments (and the same counts elsewhere)."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
    ]


def _replicaset_cells(obj: Obj, _now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [spec.get("replicas", 0), status.get("replicas", 0), status.get("readyReplicas", 0)]


def _event_cells(event: Obj, now: datetime) -> list[Any]:
    involved = event.get("involvedObject") or event.get("regarding") or {}
    last = (
        event.get("lastTimestamp") or event.get("deprecatedLastTimestamp") or event.get("eventTime")
    )
    return [
        _age(last, now),
        event.get("type", ""),
        event.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        event.get("message") or event.get("note") or "",
    ]


def _name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _created(obj: Obj, now: datetime) -> str:
    return _age((obj.get("metadata") or {}).get("creationTimestamp"), now)


def _default_cells(obj: Obj, now: datetime) -> list[Any]:
    return [_name(obj), _created(obj, now)]


def _with_name_and_age(cells: Cells) -> Cells:
    return lambda obj, now: [_name(obj), *cells(obj, now), _created(obj, now)]


# Per type: the columns (name, priority; priority 1 shows only with -o wide) and their cells.
_EVENT_COLUMNS = (
    ("Last Seen", 0),
    ("Type", 0),
    ("Reason", 0),
    ("Object", 0),
    ("Message", 0),
    ("Name", 1),
)
_TABLES: Mapping[tuple[str, str], tuple[Sequence[tuple[str, int]], Cells]] = {
    ("", "pods"): (
        (("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0)),
        _with_name_and_age(_pod_cells),
    ),
    ("apps", "deployments"): (
        (("Name", 0), ("Ready", 0), ("Up-to-date", 0), ("Available", 0), ("Age", 0)),
        _with_name_and_age(_workload_cells),
    ),
    ("apps", "replicasets"): (
        (("Name", 0), ("Desired", 0), ("Current", 0), ("Ready", 0), ("Age", 0)),
        _with_name_and_age(_replicaset_cells),
    ),
    ("", "events"): (_EVENT_COLUMNS, lambda e, now: [*_event_cells(e, now), _name(e)]),
    ("events.k8s.io", "events"): (_EVENT_COLUMNS, lambda e, now: [*_event_cells(e, now), _name(e)]),
}
_DEFAULT_TABLE: tuple[Sequence[tuple[str, int]], Cells] = (
    (("Name", 0), ("Age", 0)),
    _default_cells,
)


def table_body(
    rtype: ResourceType, objects: Sequence[Obj], now: datetime, resource_version: str
) -> dict[str, Any]:
    """A ``Table`` of ``objects`` with ages measured from ``now``."""
    columns, cells = _TABLES.get((rtype.group, rtype.name), _DEFAULT_TABLE)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {
                "name": name,
                "type": "string",
                "format": "name" if name == "Name" else "",
                "description": "",
                "priority": priority,
            }
            for name, priority in columns
        ],
        "rows": [
            {
                "cells": cells(obj, now),
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata") or {},
                },
            }
            for obj in objects
        ],
    }
