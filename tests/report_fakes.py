"""Report parts shared by the remediation and approval tests."""

from __future__ import annotations

from agent.report.model import Evidence, Hypothesis


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
