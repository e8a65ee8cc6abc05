"""Scripted brains for the eval tests: they call real tools, then blame a fixed component."""

from __future__ import annotations

from collections.abc import Callable

from agent.brains.scripted import ScriptedBrain, call
from agent.bundle.model import Catalog
from agent.investigation.brain import Brain, BrainTurn
from agent.investigation.state import InvestigationState


def blaming(component: str, category: str) -> Callable[[Catalog, Callable[[], float]], Brain]:
    """A brain factory: each brain reads the payments rollout history, makes one out-of-scope call (denied),
    proposes ``component`` with a quote of the pod listing, and submits it as the root cause."""

    def cite(state: InvestigationState) -> BrainTurn:
        listing = state.call("c_pods")
        quote = (listing.output if listing else "")[:40].strip() or "none"
        return BrainTurn(
            calls=[
                call(
                    "update_hypothesis",
                    id="H1",
                    status="supported",
                    confidence=0.7,
                    evidence=[{"tool_call_id": "c_pods", "quote": quote}],
                )
            ]
        )

    def make(catalog: Catalog, deadline: Callable[[], float]) -> Brain:
        steps = [
            BrainTurn(
                calls=[
                    call("deployment_history", "c_pods", namespace="shop", name="payments"),
                    call("deployment_history", "c_denied", namespace="kube-system", name="coredns"),
                    call(
                        "propose_hypothesis",
                        statement=f"{component} is broken (revision 12)",
                        component=component,
                        category=category,
                    ),
                ]
            ),
            cite,
        ]
        final = {"root_cause_hypothesis": "H1", "summary": f"{component} failed", "confidence": 0.7}
        return ScriptedBrain(steps, final=final)  # type: ignore[arg-type]

    return make
