"""Report parts shared by the remediation and approval tests: hypotheses and proposals."""

from __future__ import annotations

from typing import Any, Literal

from agent.report.model import (
    Evidence,
    Hypothesis,
    Precondition,
    Remediation,
    RemediationAction,
    Target,
)

# The state the test clusters' Deployments are recorded in.
RECORDED = Precondition(resource_version="500", revision=2)


def supported(component: str, *, verified: bool = True, hypothesis_id: str = "H1") -> Hypothesis:
    """A supported hypothesis on ``component`` with one quote (verified unless told otherwise).

    The gate acts only on a component such a hypothesis names with ``verified=True``.
    """
    return Hypothesis(
        id=hypothesis_id,
        component=component,
        category="deployment",
        statement=f"{component} fails since its last rollout",
        status="supported",
        confidence=0.9,
        evidence=[
            Evidence(
                tool_call_id=f"call-{hypothesis_id}",
                tool="query_logs",
                query='{namespace="shop"}',
                quote=f"{component}: nil pointer dereference",
                verified=verified,
            )
        ],
    )


def proposal(
    remediation_id: str,
    action: RemediationAction,
    target: str = "shop/payments",
    *,
    params: dict[str, Any] | None = None,
    risk: Literal["low", "medium", "high"] = "low",
    precondition: Precondition = RECORDED,
) -> Remediation:
    """A proposed remediation of the Deployment ``target`` (``namespace/name``)."""
    namespace, name = target.split("/")
    return Remediation(
        id=remediation_id,
        action=action,
        target=Target(kind="Deployment", namespace=namespace, name=name),
        params=params or {},
        rationale="because",
        risk=risk,
        precondition=precondition,
    )
