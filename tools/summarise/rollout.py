"""Diff pod templates between revisions: images, env var names, resources. Never env values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from agent.safety.keys import looks_secret_key

from .kube import resources

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def revision(obj: Mapping[str, Any]) -> int:
    """The Deployment revision annotation of a ReplicaSet (0 if absent or malformed)."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    try:
        return int(annotations.get(REVISION, 0))
    except (TypeError, ValueError):
        return 0


def containers(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Containers of a pod template by name."""
    spec = template.get("spec") or {}
    return {str(c.get("name")): dict(c) for c in spec.get("containers") or []}


def images(template: Mapping[str, Any]) -> dict[str, str]:
    """Container name → image."""
    return {name: str(c.get("image")) for name, c in containers(template).items()}


def _env_digests(container: Mapping[str, Any]) -> dict[str, str]:
    # A digest lets us say "changed" without ever holding the value in the output.
    return {
        str(e.get("name")): hashlib.sha256(
            json.dumps({k: v for k, v in e.items() if k != "name"}, sort_keys=True).encode()
        ).hexdigest()
        for e in container.get("env") or []
        if e.get("name")
    }


def diff_templates(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What changed from pod template ``old`` to ``new``, one phrase per change."""
    changes: list[str] = []
    before, after = containers(old), containers(new)
    for name in sorted(set(before) | set(after)):
        if name not in before:
            changes.append(f"container {name} added (image {after[name].get('image')})")
            continue
        if name not in after:
            changes.append(f"container {name} removed")
            continue
        a, b = before[name], after[name]
        if a.get("image") != b.get("image"):
            changes.append(f"{name}: image {a.get('image')} → {b.get('image')}")
        env_a, env_b = _env_digests(a), _env_digests(b)
        hidden = 0
        for label, keys in (
            ("added", sorted(set(env_b) - set(env_a))),
            ("removed", sorted(set(env_a) - set(env_b))),
            ("changed", sorted(k for k in set(env_a) & set(env_b) if env_a[k] != env_b[k])),
        ):
            shown = [k for k in keys if not looks_secret_key(k)]
            hidden += len(keys) - len(shown)
            if shown:
                changes.append(f"{name}: env {label} {', '.join(shown)}")
        if hidden:
            changes.append(f"{name}: {hidden} secret-looking env var(s) changed (names hidden)")
        res_a, res_b = resources(a), resources(b)
        for kind in ("requests", "limits"):
            ra, rb = res_a.get(kind, {}), res_b.get(kind, {})
            for key in sorted(set(ra) | set(rb)):
                if ra.get(key) != rb.get(key):
                    changes.append(
                        f"{name}: {kind}.{key} {ra.get(key, 'unset')} → {rb.get(key, 'unset')}"
                    )
    return changes


def managed_times(obj: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(time, top-level data keys touched) of each managedFields entry of an object."""
    entries = []
    for entry in (obj.get("metadata") or {}).get("managedFields") or []:
        fields = entry.get("fieldsV1") or {}
        data = {**(fields.get("f:data") or {}), **(fields.get("f:binaryData") or {})}
        keys = sorted(k.removeprefix("f:") for k in data)
        if entry.get("time"):
            entries.append((str(entry["time"]), keys))
    return entries
