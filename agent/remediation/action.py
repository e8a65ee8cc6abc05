"""Turn a structured proposal into the exact HTTP request that would carry it out.

Pure: given the live Deployment (and its ReplicaSets for a rollback), the same proposal always
yields the same request, which is what the human confirms and what the executor sends. Every
request is a JSON patch whose first operation tests ``metadata.resourceVersion``: if the object
changes between our read and the write, the API server rejects the patch instead of applying
it to a state nobody reviewed.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agent.errors import RemediationAborted
from agent.remediation.policy import live_identity, revision_of
from agent.report.model import Remediation

JSON_PATCH = "application/json-patch+json"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
_POD_TEMPLATE_HASH = "pod-template-hash"
# Names our writes in the cluster's managedFields and API audit log.
FIELD_MANAGER = "incident-agent-approve"


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One write request, exactly as it will be sent."""

    namespace: str
    name: str
    subresource: str | None
    body: list[dict[str, Any]]
    description: str
    query: dict[str, str] = field(default_factory=dict)
    method: str = "PATCH"
    content_type: str = JSON_PATCH

    @property
    def path(self) -> str:
        """The request path: the Deployment, or its ``scale`` subresource."""
        path = f"/apis/apps/v1/namespaces/{self.namespace}/deployments/{self.name}"
        return f"{path}/{self.subresource}" if self.subresource else path

    def sha256(self) -> str:
        """A digest binding an approval to this exact request."""
        canonical = json.dumps(
            [self.method, self.path, self.query, self.body], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def show(self) -> str:
        """The request as a human reviews it before typing the confirmation."""
        query = (
            "?" + "&".join(f"{k}={v}" for k, v in sorted(self.query.items())) if self.query else ""
        )
        return "\n".join(
            [
                self.description,
                f"{self.method} {self.path}{query}",
                f"Content-Type: {self.content_type}",
                json.dumps(self.body, indent=2, sort_keys=True),
            ]
        )


def _pointer(key: str) -> str:
    # RFC 6901: "~" and "/" inside a key are escaped.
    return key.replace("~", "~0").replace("/", "~1")


def _owned_by(replica_set: Mapping[str, Any], uid: str) -> bool:
    owners = (replica_set.get("metadata") or {}).get("ownerReferences") or []
    return any(o.get("kind") == "Deployment" and o.get("uid") == uid for o in owners)


def _rollback(
    remediation: Remediation,
    deployment: Mapping[str, Any],
    replica_sets: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], str]:
    to_revision = int(remediation.params["to_revision"])
    _, current = live_identity(deployment)
    if current == to_revision:
        raise RemediationAborted(
            f"refusing {remediation.id}: the Deployment is already at revision {to_revision}"
        )
    uid = str(deployment["metadata"].get("uid", ""))
    matches = [rs for rs in replica_sets if _owned_by(rs, uid) and revision_of(rs) == to_revision]
    if len(matches) != 1:
        found = "no ReplicaSet" if not matches else f"{len(matches)} ReplicaSets"
        raise RemediationAborted(
            f"refusing {remediation.id}: {found} of this Deployment records revision "
            f"{to_revision}, so there is no unique template to roll back to"
        )
    template = copy.deepcopy(dict(matches[0]["spec"]["template"]))
    # The ReplicaSet controller adds this label; the Deployment's template never carries it.
    template.get("metadata", {}).get("labels", {}).pop(_POD_TEMPLATE_HASH, None)
    name = matches[0]["metadata"]["name"]
    return (
        [{"op": "replace", "path": "/spec/template", "value": template}],
        f"roll back to revision {to_revision} (the pod template of ReplicaSet {name})",
    )


def _restart(deployment: Mapping[str, Any], now: datetime) -> tuple[list[dict[str, Any]], str]:
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    template_meta = deployment["spec"]["template"].get("metadata")
    if template_meta is None:
        op = {
            "op": "add",
            "path": "/spec/template/metadata",
            "value": {"annotations": {RESTARTED_AT: stamp}},
        }
    elif template_meta.get("annotations") is None:
        op = {
            "op": "add",
            "path": "/spec/template/metadata/annotations",
            "value": {RESTARTED_AT: stamp},
        }
    else:
        path = f"/spec/template/metadata/annotations/{_pointer(RESTARTED_AT)}"
        op = {"op": "add", "path": path, "value": stamp}
    return [op], f"restart every pod (set {RESTARTED_AT}={stamp})"


def build_action(
    remediation: Remediation,
    deployment: Mapping[str, Any],
    replica_sets: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    dry_run: bool = False,
) -> PlannedAction:
    """The exact request that carries out ``remediation`` on the live ``deployment``.

    Args:
        remediation: A proposal whose action is not ``manual``.
        deployment: The live Deployment, as the API returned it.
        replica_sets: The Deployment's ReplicaSets (needed for a rollback only).
        now: The time recorded by a restart.
        dry_run: Ask the server to validate without persisting (``dryRun=All``).

    Raises:
        RemediationAborted: the action cannot be built (manual, or no template to roll back to).
    """
    target = remediation.target
    subresource = None
    version, _ = live_identity(deployment)
    guard = {"op": "test", "path": "/metadata/resourceVersion", "value": version}
    if remediation.action == "rollback_deployment":
        ops, what = _rollback(remediation, deployment, replica_sets)
    elif remediation.action == "scale_deployment":
        replicas = int(remediation.params["replicas"])
        current = deployment["spec"].get("replicas")
        ops = [{"op": "replace", "path": "/spec/replicas", "value": replicas}]
        what = f"scale from {current} to {replicas} replicas"
        subresource = "scale"
    elif remediation.action == "restart_deployment":
        ops, what = _restart(deployment, now)
    else:
        raise RemediationAborted(f"{remediation.id} is a manual step and cannot be executed")
    query = {"fieldManager": FIELD_MANAGER}
    if dry_run:
        query["dryRun"] = "All"
    return PlannedAction(
        namespace=target.namespace,
        name=target.name,
        subresource=subresource,
        body=[guard, *ops],
        description=f"{remediation.id}: {what} of Deployment {target.namespace}/{target.name}",
        query=query,
    )
