"""``deployment_history``: a Deployment's rollout history, or what changed in a namespace."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from agent.errors import BackendError, BackendQueryError

from .base import TimeSpan, ToolContext, ToolResult
from .clients import KubeReader
from .kube_args import KubeName, NamespaceName
from .kube_common import api_path
from .result import envelope, failed, not_configured, span_text
from .summarise.kube import when
from .summarise.rollout import CHANGE_CAUSE, diff_templates, images, managed_times, revision
from .timerange import TimeRangeInput

_NARROW = "Give a Deployment name, or a shorter start/end range."


class HistoryInput(TimeRangeInput):
    """Input of ``deployment_history``."""

    namespace: NamespaceName = Field(description="Namespace.")
    name: KubeName | None = Field(
        default=None,
        description="Deployment name for its rollout history. Omit to list every change in the "
        "namespace (Deployments, StatefulSets, DaemonSets, ConfigMaps) within start/end.",
    )


def _owned(items: list[dict[str, Any]], uid: str) -> list[dict[str, Any]]:
    return [
        i
        for i in items
        if any(o.get("uid") == uid for o in (i.get("metadata") or {}).get("ownerReferences") or [])
    ]


def _revisions(replicasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rollout history facts from a Deployment's ReplicaSets, oldest revision first."""
    history: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for rs in sorted(replicasets, key=revision):
        meta, spec = rs.get("metadata") or {}, rs.get("spec") or {}
        template = spec.get("template") or {}
        history.append(
            {
                "revision": revision(rs),
                "replicaset": meta.get("name"),
                "created": meta.get("creationTimestamp"),
                "images": images(template),
                "replicas": spec.get("replicas"),
                "ready": (rs.get("status") or {}).get("readyReplicas", 0),
                "change_cause": (meta.get("annotations") or {}).get(CHANGE_CAUSE),
                "changes": diff_templates(previous, template) if previous is not None else [],
            }
        )
        previous = template
    return history


_OWNER_KEYS = {
    "part_of": ("app.kubernetes.io/part-of",),
    "team": ("team", "app.kubernetes.io/team", "owner-team"),
    "owner": ("owner", "app.kubernetes.io/owner"),
}


def owner_hints(meta: dict[str, Any]) -> dict[str, str]:
    """Ownership conventions on a workload: ``part-of``, ``team`` and ``owner`` labels/annotations."""
    labels = {**(meta.get("annotations") or {}), **(meta.get("labels") or {})}
    found: dict[str, str] = {}
    for key, names in _OWNER_KEYS.items():
        value = next(
            (labels[n] for n in names if isinstance(labels.get(n), str) and labels[n]), None
        )
        if value:
            found[key] = value
    return found


def _current_revision(deployment: dict[str, Any]) -> int | None:
    annotations = (deployment.get("metadata") or {}).get("annotations") or {}
    value = annotations.get("deployment.kubernetes.io/revision")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _history_line(item: dict[str, Any]) -> str:
    line = (
        f"rev {item['revision']} {item['replicaset']} created {item['created']}: "
        f"replicas {item['replicas']} ready {item['ready']}; "
        + ", ".join(f"{c}={i}" for c, i in item["images"].items())
    )
    if item["change_cause"]:
        line += f"; change-cause: {item['change_cause']}"
    if item["changes"]:
        line += "\n    changed: " + "; ".join(item["changes"])
    return line


def _one_deployment(
    args: HistoryInput, kube: KubeReader, ctx: ToolContext, span: TimeSpan
) -> ToolResult:
    ns, name = args.namespace, str(args.name)
    request = (
        f"{api_path(f'/apis/apps/v1/namespaces/{ns}/deployments/{name}')}; "
        f"{api_path(f'/apis/apps/v1/namespaces/{ns}/replicasets')}"
    )
    before = kube.raw_bytes
    try:
        deployments = kube.list_deployments(ns).get("items") or []
        deployment = next(
            (d for d in deployments if (d.get("metadata") or {}).get("name") == name), None
        )
        if deployment is None:
            known = sorted(str((d.get("metadata") or {}).get("name")) for d in deployments)
            return envelope(
                tool="deployment_history",
                request=request,
                span=span,
                head=[
                    f"No Deployment {name} in {ns}. Deployments there: {', '.join(known) or 'none'}"
                ],
                items=[],
                max_chars=ctx.limits.max_chars,
                data={"deployments": known},
                raw_bytes=kube.raw_bytes - before,
                narrow_hint="",
                empty=True,
            )
        uid = (deployment.get("metadata") or {}).get("uid", "")
        replicasets = _owned(kube.list_replicasets(ns).get("items") or [], uid)
    except BackendError as exc:
        return failed("deployment_history", exc, request, span, f"rollout history of {ns}/{name}")
    history = _revisions(replicasets)
    status = deployment.get("status") or {}
    conditions = [
        f"{c.get('type')}={c.get('status')} ({c.get('reason')})"
        for c in status.get("conditions") or []
    ]
    stuck = any(
        c.get("reason") == "ProgressDeadlineExceeded" for c in status.get("conditions") or []
    )
    head = [
        f"Deployment {ns}/{name}: {len(history)} revisions; replicas "
        f"{status.get('readyReplicas', 0)}/{(deployment.get('spec') or {}).get('replicas')} ready, "
        f"updated {status.get('updatedReplicas', 0)}; conditions: {', '.join(conditions) or 'none'}"
        + ("; ROLLOUT STUCK (ProgressDeadlineExceeded)" if stuck else "")
    ]
    return envelope(
        tool="deployment_history",
        request=request,
        span=span,
        head=head,
        items=[_history_line(h) for h in reversed(history)],  # newest first
        max_chars=ctx.limits.max_chars,
        data={
            "deployment": name,
            "conditions": conditions,
            "stuck": stuck,
            "revisions": history,
            # What a remediation proposal records as its precondition.
            "current_revision": _current_revision(deployment),
            "resource_version": (deployment.get("metadata") or {}).get("resourceVersion"),
            # Who owns it, when no catalogue says (labels and annotations by convention).
            "owner": owner_hints(deployment.get("metadata") or {}),
        },
        raw_bytes=kube.raw_bytes - before,
        narrow_hint=_NARROW,
        empty=not history,
    )


def _in(span: TimeSpan, value: Any) -> datetime | None:
    moment = when(value)
    return moment if moment is not None and span.start <= moment <= span.end else None


def _namespace_changes(kube: KubeReader, ns: str, span: TimeSpan) -> list[tuple[datetime, str]]:
    """Every change found in ``ns`` during ``span``, as (time, description)."""
    changes: list[tuple[datetime, str]] = []
    deployments = kube.list_deployments(ns).get("items") or []
    replicasets = kube.list_replicasets(ns).get("items") or []
    for dep in deployments:
        meta = dep.get("metadata") or {}
        history = _revisions(_owned(replicasets, meta.get("uid", "")))
        for item in history:
            moment = _in(span, item["created"])
            if moment is not None:
                what = "; ".join(item["changes"]) or ", ".join(item["images"].values())
                changes.append(
                    (moment, f"Deployment {meta.get('name')} rev {item['revision']}: {what}")
                )
    try:
        revisions = kube.list_controller_revisions(ns).get("items") or []
    except BackendQueryError:
        revisions = []  # not every API server (or RBAC role) serves them; managedFields remain
    for kind, items in (
        ("StatefulSet", kube.list_statefulsets(ns)),
        ("DaemonSet", kube.list_daemonsets(ns)),
    ):
        for obj in items.get("items") or []:
            meta = obj.get("metadata") or {}
            for rev in _owned(revisions, meta.get("uid", "")):
                moment = _in(span, (rev.get("metadata") or {}).get("creationTimestamp"))
                if moment is not None:
                    changes.append(
                        (
                            moment,
                            f"{kind} {meta.get('name')}: new controller revision {rev.get('revision')}",
                        )
                    )
            for stamp, _ in managed_times(obj):
                moment = _in(span, stamp)
                if moment is not None:
                    changes.append(
                        (
                            moment,
                            f"{kind} {meta.get('name')}: spec updated (generation {meta.get('generation')})",
                        )
                    )
    for cm in kube.list_configmaps(ns).get("items") or []:
        meta = cm.get("metadata") or {}
        created = _in(span, meta.get("creationTimestamp"))
        if created is not None:
            keys = sorted({*(cm.get("data") or {}), *(cm.get("binaryData") or {})})
            changes.append(
                (created, f"ConfigMap {meta.get('name')} created (keys: {', '.join(keys)})")
            )
            continue
        for stamp, keys in managed_times(cm):
            moment = _in(span, stamp)
            if moment is not None:
                touched = f" (keys: {', '.join(keys)})" if keys else ""
                changes.append((moment, f"ConfigMap {meta.get('name')} updated{touched}"))
    return sorted(set(changes))


def deployment_history(args: HistoryInput, ctx: ToolContext) -> ToolResult:
    """Find what changed: a Deployment's rollouts, or every change in a namespace in a range.

    With `name`: the Deployment's revisions (newest first) with images, change-cause, and what
    changed from the previous revision (image, env var names added/removed/changed, resource
    requests/limits), plus its rollout conditions (ProgressDeadlineExceeded = stuck rollout).
    Without `name`: every change in the namespace between start and end (default: last 2h):
    new Deployment revisions, StatefulSet/DaemonSet revisions and spec updates, ConfigMap
    creations and updates (key names only). A change shortly before the alert is a prime suspect.
    """
    span = args.span(ctx, default=timedelta(hours=2))
    kube = ctx.backends.kubernetes
    ns = args.namespace
    if args.name:
        if kube is None:
            return not_configured(
                "deployment_history", "Kubernetes API", f"deployment {ns}/{args.name}", span
            )
        return _one_deployment(args, kube, ctx, span)
    request = (
        f"list deployments, replicasets, statefulsets, daemonsets, controllerrevisions, configmaps "
        f"in {ns}; changes within {span_text(span)}"
    )
    if kube is None:
        return not_configured("deployment_history", "Kubernetes API", request, span)
    before = kube.raw_bytes
    try:
        changes = _namespace_changes(kube, ns, span)
    except BackendError as exc:
        return failed("deployment_history", exc, request, span, f"changes in {ns}")
    return envelope(
        tool="deployment_history",
        request=request,
        span=span,
        head=[f"{len(changes)} changes in {ns} within {span_text(span)}"],
        items=[
            f"{moment.strftime('%Y-%m-%dT%H:%M:%SZ')} {text}" for moment, text in reversed(changes)
        ],
        max_chars=ctx.limits.max_chars,
        data={"changes": [{"at": m.isoformat(), "what": t} for m, t in changes]},
        raw_bytes=kube.raw_bytes - before,
        narrow_hint=_NARROW,
        empty=not changes,
    )
