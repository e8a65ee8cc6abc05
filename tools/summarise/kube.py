"""Pure helpers over API-shaped Kubernetes dicts: selectors, pod facts, container specs.

Env var *values* never leave this module; names that look like secrets are dropped too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agent.safety.keys import looks_secret_key
from agent.timeutil import parse_rfc3339


def when(value: Any) -> datetime | None:
    """Parse an API timestamp; ``None`` if absent or malformed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        return None


def selector_text(selector: Mapping[str, Any] | None) -> str | None:
    """A LabelSelector (``matchLabels`` + ``matchExpressions``) as a label-selector string."""
    if not selector:
        return None
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or None


def env_names(container: Mapping[str, Any]) -> list[str]:
    """Names of a container's env vars, minus names that look like secrets. Never values."""
    names = [str(e.get("name")) for e in container.get("env") or [] if e.get("name")]
    return sorted(n for n in names if not looks_secret_key(n))


def resources(container: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """A container's requests and limits."""
    spec = container.get("resources") or {}
    return {
        kind: {str(k): str(v) for k, v in (spec.get(kind) or {}).items()}
        for kind in ("requests", "limits")
        if spec.get(kind)
    }


def pod_facts(pod: Mapping[str, Any]) -> dict[str, Any]:
    """Phase, readiness, restarts, last termination, waiting reasons, node, resources of a pod."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    specs = {c.get("name"): c for c in spec.get("containers") or []}
    containers = []
    for cs in status.get("containerStatuses") or []:
        state, last = cs.get("state") or {}, cs.get("lastState") or {}
        item: dict[str, Any] = {
            "name": cs.get("name"),
            "ready": bool(cs.get("ready")),
            "restarts": int(cs.get("restartCount") or 0),
        }
        if "waiting" in state:
            item["waiting"] = (state["waiting"] or {}).get("reason")
        if "terminated" in state:
            item["terminated"] = (state["terminated"] or {}).get("reason")
        term = last.get("terminated")
        if term:
            item["last_termination"] = {
                "reason": term.get("reason"),
                "exit_code": term.get("exitCode"),
                "finished_at": term.get("finishedAt"),
            }
        if cs.get("image"):
            item["image"] = cs.get("image")
        item["resources"] = resources(specs.get(cs.get("name")) or {})
        containers.append(item)
    return {
        "name": meta.get("name"),
        "phase": status.get("phase"),
        "ready": bool(containers) and all(c["ready"] for c in containers),
        "restarts": sum(c["restarts"] for c in containers),
        "node": spec.get("nodeName"),
        "reason": status.get("reason"),
        "containers": containers,
    }


def pod_line(facts: Mapping[str, Any]) -> str:
    """One compact line about a pod."""
    bits = [
        f"{facts['name']}: {facts['phase']}",
        "ready" if facts["ready"] else "NOT ready",
        f"restarts {facts['restarts']}",
        f"node {facts['node']}",
    ]
    if facts.get("reason"):
        bits.append(f"reason {facts['reason']}")
    for c in facts["containers"]:
        detail = []
        if c.get("waiting"):
            detail.append(f"waiting {c['waiting']}")
        if c.get("terminated"):
            detail.append(f"terminated {c['terminated']}")
        last = c.get("last_termination")
        if last:
            detail.append(
                f"last exit {last['reason']} code {last['exit_code']} at {last['finished_at']}"
            )
        limits = c.get("resources", {}).get("limits")
        if limits:
            detail.append("limits " + ",".join(f"{k}={v}" for k, v in sorted(limits.items())))
        if detail:
            bits.append(f"[{c['name']}: {'; '.join(detail)}]")
    return ", ".join(bits)
