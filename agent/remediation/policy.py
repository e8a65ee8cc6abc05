"""Pure checks the gate applies before anything is sent: scope and preconditions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.errors import RemediationAborted
from agent.report.model import Remediation, Report

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


def scope_namespace(report: Report) -> str | None:
    """The namespace the investigation is about: the alert's."""
    labels = report.alert.labels
    return labels.get("namespace") or labels.get("kubernetes_namespace")


def implicated_components(report: Report) -> set[str]:
    """Components a *supported* hypothesis with verified evidence names.

    The model writes hypotheses and picks the root cause, so neither alone shows anything: a
    compromised model can name any component. A quote found verbatim in a tool's output
    (``Evidence.verified``) is the part the model cannot invent.
    """
    return {
        h.component
        for h in report.hypotheses
        if h.status == "supported" and any(e.verified for e in h.evidence)
    }


def check_scope(report: Report, remediation: Remediation) -> None:
    """Refuse a target outside the investigation's scope.

    In scope means: in the alert's namespace, and named by a supported hypothesis with
    verified evidence. A model steered by injected telemetry can propose acting on anything;
    this keeps the blast radius to what the investigation showed.

    Raises:
        RemediationAborted: the target is out of scope.
    """
    target = remediation.target
    label = f"{target.namespace}/{target.name}"
    namespace = scope_namespace(report)
    if namespace is None:
        raise RemediationAborted(
            f"refusing {remediation.id}: the alert names no namespace, so no target "
            f"({label}) can be shown to be in the investigation's scope"
        )
    if target.namespace != namespace:
        raise RemediationAborted(
            f"refusing {remediation.id}: target {label} is outside the investigation's scope "
            f"(the alert's namespace is {namespace!r})"
        )
    implicated = implicated_components(report)
    if target.name not in implicated:
        raise RemediationAborted(
            f"refusing {remediation.id}: the investigation does not implicate {target.name!r}: "
            "no supported hypothesis with verified evidence names it (implicated: "
            f"{', '.join(sorted(implicated)) or 'nothing'})"
        )


def _revision(obj: Mapping[str, Any]) -> int | None:
    value = (obj.get("metadata") or {}).get("annotations", {}).get(REVISION_ANNOTATION)
    return int(value) if isinstance(value, str) and value.isdigit() else None


def live_identity(deployment: Mapping[str, Any]) -> tuple[str, int | None]:
    """The live Deployment's ``resourceVersion`` and rollout revision."""
    return str(deployment["metadata"].get("resourceVersion", "")), _revision(deployment)


def check_precondition(remediation: Remediation, deployment: Mapping[str, Any]) -> None:
    """Refuse when the live Deployment is not the one the proposal was made against.

    Raises:
        RemediationAborted: no precondition was recorded, or the target changed since.
    """
    expected = remediation.precondition
    if expected.resource_version is None and expected.revision is None:
        raise RemediationAborted(
            f"refusing {remediation.id}: the proposal records no precondition "
            "(resourceVersion or revision), so a changed target could not be detected"
        )
    version, revision = live_identity(deployment)
    if expected.resource_version is not None and expected.resource_version != version:
        raise RemediationAborted(
            f"target changed since the proposal (resourceVersion {expected.resource_version} "
            f"→ {version}); re-run the investigation"
        )
    if expected.revision is not None and expected.revision != revision:
        raise RemediationAborted(
            f"target changed since the proposal (revision {expected.revision} → {revision}); "
            "re-run the investigation"
        )


def revision_of(replica_set: Mapping[str, Any]) -> int | None:
    """The rollout revision a ReplicaSet records."""
    return _revision(replica_set)
