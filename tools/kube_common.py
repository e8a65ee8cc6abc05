"""Shared by the Kubernetes tools: request text, workload lookup, recent events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from .clients import KubeReader
from .summarise.kube import selector_text, when

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def api_path(path: str, **query: str | None) -> str:
    """``GET <path>?<query>`` with empty parameters left out, as shown in ``request``."""
    params = {k: v for k, v in query.items() if v}
    return f"GET {path}" + (f"?{urlencode(params)}" if params else "")


def find_workload(kube: KubeReader, namespace: str, name: str) -> dict[str, Any] | None:
    """The Deployment, StatefulSet or DaemonSet called ``name`` (first kind that has it)."""
    for lister in (kube.list_deployments, kube.list_statefulsets, kube.list_daemonsets):
        for item in lister(namespace).get("items") or []:
            if (item.get("metadata") or {}).get("name") == name:
                return dict(item)
    return None


def workload_selector(workload: Mapping[str, Any]) -> str | None:
    """The label selector of a workload's pods."""
    return selector_text((workload.get("spec") or {}).get("selector"))


def event_time(event: Mapping[str, Any]) -> datetime | None:
    """When an event last happened (core/v1: lastTimestamp, else eventTime, else first)."""
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        moment = when(event.get(key))
        if moment is not None:
            return moment
    return when((event.get("metadata") or {}).get("creationTimestamp"))


def recent(events: list[dict[str, Any]], since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Events whose time falls in ``[since, until]`` (undated events are kept)."""
    kept = []
    for event in events:
        moment = event_time(event)
        if moment is None or since <= moment <= until:
            kept.append(event)
    return kept
