"""Weigh the facts per component: a score, a category, and which suspects to refute.

Symptoms say *where* (weight from ``Fact.weight``), causes say *why*; a cause near the onset
on a component where the errors start outweighs everything else. The category follows the
strongest cause; with none, a failing dependency is ``dependency`` and a failing service with
no recent change is ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .analysis import Suspects
from .evidence import Fact
from .locate import SIGNIFICANT, Located

SYMPTOMS = frozenset(
    {
        "origin",
        "chain_end",
        "errors",
        "latency",
        "peer_failing",
        "pool",
        "exception",
        "ranked",
        "weak_rank",
    }
)
# The symptoms that place the fault when the ranking ran (see ``locate``).
LOCATED = frozenset({"ranked", "weak_rank"})
# Cause kinds, strongest first, with their weight and the category each one implies.
CAUSES: tuple[tuple[str, float, str], ...] = (
    ("cert_expired", 6.0, "configuration"),
    ("dns", 6.0, "network"),
    ("evicted", 5.0, "infrastructure"),
    ("node_pressure", 3.0, "infrastructure"),
    ("hpa_max", 4.0, "capacity"),
    ("cpu_spike", 5.0, "resource"),
    ("rollout_resources", 4.0, "resource"),
    ("oom", 4.0, "resource"),
    ("memory_high", 1.0, "resource"),
    ("throttled", 1.0, "resource"),
    ("configmap", 4.0, "configuration"),
    ("rollout_image", 5.0, "deployment"),
    ("rollout_other", 3.0, "deployment"),
    ("down", 4.0, "dependency"),
    ("crashloop", 2.0, "dependency"),
    ("restarts", 1.0, "dependency"),
)
_CAUSE = {kind: (weight, category) for kind, weight, category in CAUSES}
# Causes that act on *other* components (a node evicting pods, a resolver failing its
# clients, a neighbour starving them): they carry full weight without local symptoms, plus a
# bonus per symptomatic workload they are linked to (``Fact.detail`` names it).
REMOTE = frozenset({"evicted", "node_pressure", "dns", "cpu_spike"})
_LINK_BONUS = 2.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """A ranked suspect."""

    component: str
    category: str
    score: float
    facts: tuple[Fact, ...]

    @property
    def causes(self) -> list[Fact]:
        """The cause facts, strongest first."""
        order = [k for k, _, _ in CAUSES]
        return sorted(
            (f for f in self.facts if f.kind in _CAUSE), key=lambda f: order.index(f.kind)
        )


def categorise(kinds: set[str], is_dependency: bool, located: Located | None = None) -> str:
    """The category the evidence implies (rca-methods' decision tree).

    A cause fact decides first (see ``CAUSES``); without one, the ranking's signals do:
    resource use rising at the component → resource; else time added between a caller and the
    component (edge or trace gap) → network. Saturation comes first because it explains a
    gap (a CPU-starved pod is slow to send and to answer, which shows as time between the two
    ends) where a delay on the wire does not saturate anything; else a failing
    backing system → dependency, and a failing service with no resource, network or change
    signal → code.
    """
    if "rollout_resources" in kinds and not kinds & {"oom", "crashloop", "restarts", "memory_high"}:
        kinds = kinds - {"rollout_resources"} | {"rollout_other"}
    for kind, _, category in CAUSES:
        if kind in kinds:
            if category == "dependency" and not is_dependency:
                return "code" if "rollout_image" not in kinds else "deployment"
            return category
    if located is not None and located.resource >= SIGNIFICANT:
        return "resource"
    if located is not None and located.gap >= SIGNIFICANT:
        return "network"
    return "dependency" if is_dependency else "code"


def rank(
    suspects: Suspects,
    dependencies: frozenset[str],
    located: dict[str, Located] | None = None,
) -> list[Verdict]:
    """Suspects with at least one symptom or strong cause, best first (deterministic).

    ``located`` holds the ranking's reading of each component, for the category.
    """
    where = located or {}
    verdicts = []
    symptomatic = {
        c for c, facts in suspects.facts.items() if any(f.kind in SYMPTOMS for f in facts)
    }
    for component, facts in suspects.facts.items():
        kinds = {f.kind for f in facts}
        if kinds <= {"old_change", "signal"}:
            continue
        # With a ranking, it alone places the fault; the other symptoms are evidence only.
        placing = LOCATED if where else SYMPTOMS
        symptom = sum(f.weight for f in facts if f.kind in placing)
        local = sum(_CAUSE[k][0] for k in kinds if k in _CAUSE and k not in REMOTE)
        remote = sum(_CAUSE[k][0] for k in kinds if k in REMOTE)
        links = {f.detail for f in facts if f.kind in REMOTE and f.detail in symptomatic}
        # A local cause without any symptom at the component is weaker: it may be unrelated.
        score = symptom + (local if symptom > 0 else local * 0.5)
        score += remote + _LINK_BONUS * min(2, len(links))
        verdicts.append(
            Verdict(
                component=component,
                category=categorise(kinds, component in dependencies, where.get(component)),
                score=round(score, 3),
                facts=tuple(facts),
            )
        )
    return sorted(_below_callees(verdicts, where), key=lambda v: (-v.score, v.component))


def _below_callees(verdicts: list[Verdict], where: dict[str, Located]) -> list[Verdict]:
    """Each component the ranking says is explained by a callee, scored just below it.

    The ranking places such a caller right under its explaining callee; evidence gathered on
    the caller afterwards (its pods, its logs) must not lift it over the callee, and the
    caller must not sink under unrelated weaker suspects either.
    """
    scores = {v.component: v.score for v in verdicts}
    for _ in range(len(verdicts)):  # a chain of explanations settles in as many passes
        changed = False
        for component, score in scores.items():
            callee = where[component].explained_by if component in where else None
            if callee in scores and callee != component and score >= scores[callee]:
                scores[component] = round(scores[callee] - 1e-3, 3)
                changed = True
        if not changed:
            break
    return [replace(v, score=scores[v.component]) for v in verdicts]


def refutable(suspects: Suspects, root: str) -> list[Fact]:
    """Changes that did not cause this: too far from onset, or on a component without symptoms."""
    out = []
    for component, facts in sorted(suspects.facts.items()):
        if component == root:
            continue
        kinds = {f.kind for f in facts}
        for fact in facts:
            is_change = fact.kind in {"old_change", "rollout_image", "rollout_other", "configmap"}
            if is_change and not kinds & SYMPTOMS:
                out.append(fact)
    return out
