"""Deterministic evaluators: pure functions scoring one report against a bundle's truth.

Each evaluator answers one question (was the component ranked first? is the category right?
how much of the key evidence does the report mention?) and is unit-tested on its own. Names
compare case-insensitively, a truth alias counts as the component, and a pod name counts as its
workload: the report may attribute the cause to ``payments-7d9f8b6c5-x2k4j`` and still be right.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent.bundle.model import Truth
from agent.k8s_names import workload_of
from agent.report.model import Report


def normalise(name: str) -> str:
    """The comparable form of a component name: stripped, lower-case, pods as workloads."""
    return workload_of(name.strip().lower())


def truth_names(truth: Truth) -> frozenset[str]:
    """Every name the true component goes by (the component and its aliases), normalised."""
    return frozenset(normalise(n) for n in (truth.root_cause.component, *truth.aliases))


def ranked_components(report: Report) -> list[str]:
    """Components in the report's order: the root cause first, then hypotheses as ranked.

    Refuted hypotheses are dropped: the report says they are not the cause. Repeats keep their
    first position so a component named twice does not push others down.
    """
    names: list[str] = []
    if report.root_cause is not None:
        names.append(report.root_cause.component)
    names.extend(h.component for h in report.hypotheses if h.status != "refuted")
    ranked: list[str] = []
    for name in names:
        key = normalise(name)
        if key and key not in ranked:
            ranked.append(key)
    return ranked


def component_rank(report: Report, truth: Truth) -> int | None:
    """The 1-based rank of the true component among the report's components, or ``None``."""
    wanted = truth_names(truth)
    for rank, name in enumerate(ranked_components(report), start=1):
        if name in wanted:
            return rank
    return None


def hit_at(rank: int | None, k: int) -> bool:
    """Whether a component rank counts as a hit at ``k`` (AC@k)."""
    return rank is not None and rank <= k


def avg_at(rank: int | None, k: int = 5) -> float:
    """Avg@k of one case: the mean of AC@1 … AC@k (1.0 at rank 1, 0.2 at rank 5 for k=5)."""
    return sum(hit_at(rank, i) for i in range(1, k + 1)) / k


def category_match(report: Report, truth: Truth) -> bool:
    """Whether the report's root cause has the true category."""
    return report.root_cause is not None and report.root_cause.category == truth.root_cause.category


def report_texts(report: Report) -> list[str]:
    """Every piece of prose in the report that evidence may appear in."""
    texts: list[str] = []
    if report.root_cause is not None:
        texts.append(report.root_cause.summary)
    for hypothesis in report.hypotheses:
        texts.append(hypothesis.statement)
        texts.extend(e.quote for e in hypothesis.evidence)
    texts.extend(event.event for event in report.timeline)
    return texts


def key_evidence_found(report: Report, truth: Truth) -> list[str]:
    """The truth's key-evidence strings that appear (case-insensitively) in the report."""
    haystack = "\n".join(report_texts(report)).lower()
    return [item for item in truth.key_evidence if item.lower() in haystack]


def key_evidence_recall(report: Report, truth: Truth) -> float:
    """Share of the truth's key evidence the report mentions; 1.0 when the truth lists none."""
    if not truth.key_evidence:
        return 1.0
    return len(key_evidence_found(report, truth)) / len(truth.key_evidence)


def verified_share(report: Report) -> float | None:
    """Share of the report's evidence quotes found in their tool output; ``None`` if it has none."""
    verified = [e.verified for h in report.hypotheses for e in h.evidence]
    if not verified:
        return None
    return sum(verified) / len(verified)


def denials(statuses: Iterable[str]) -> int:
    """How many tool calls the policy denied, from the calls' statuses."""
    return sum(1 for status in statuses if status == "denied")
