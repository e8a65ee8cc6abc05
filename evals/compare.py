"""Compare an eval run with a baseline run, case by case.

A *regression* is a case that got worse (a component hit lost at 1 or 3, the category lost,
key-evidence recall down, or a case that now fails); an *improvement* is the reverse. The run
as a whole regresses when its AC@1 drops: that is what ``agent eval --baseline`` exits 1 on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .results import CaseResult, EvalRun

# Figures move in steps such as 1/len(key_evidence); smaller differences are float noise.
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Change:
    """One figure of one case that differs from the baseline."""

    bundle: str
    what: str
    before: str
    after: str
    worse: bool

    def __str__(self) -> str:
        return f"{self.bundle}: {self.what} {self.before} → {self.after}"


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every change between a baseline and a run, and the AC@1 of each."""

    baseline_ac1: float
    current_ac1: float
    changes: list[Change] = field(default_factory=list)
    new_cases: list[str] = field(default_factory=list)
    missing_cases: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Change]:
        """The changes for the worse."""
        return [c for c in self.changes if c.worse]

    @property
    def improvements(self) -> list[Change]:
        """The changes for the better."""
        return [c for c in self.changes if not c.worse]

    @property
    def ac1_dropped(self) -> bool:
        """Whether AC@1 is lower than the baseline's."""
        return self.current_ac1 < self.baseline_ac1 - _EPSILON


def _flag(value: bool) -> str:
    return "hit" if value else "miss"


def case_changes(before: CaseResult, after: CaseResult) -> list[Change]:
    """The figures of one case that changed between two runs."""
    name = after.bundle
    changes: list[Change] = []
    if before.failed != after.failed:
        changes.append(Change(name, "run", _status(before), _status(after), worse=after.failed))
    for what, old, new in (
        ("AC@1", before.ac1, after.ac1),
        ("AC@3", before.ac3, after.ac3),
        ("category", before.category_match, after.category_match),
    ):
        if old != new:
            changes.append(Change(name, what, _flag(old), _flag(new), worse=old and not new))
    delta = after.key_evidence_recall - before.key_evidence_recall
    if abs(delta) > _EPSILON:
        changes.append(
            Change(
                name,
                "key-evidence recall",
                f"{before.key_evidence_recall:.2f}",
                f"{after.key_evidence_recall:.2f}",
                worse=delta < 0,
            )
        )
    return changes


def _status(case: CaseResult) -> str:
    return "failed" if case.failed else case.status


def compare(baseline: EvalRun, current: EvalRun) -> Comparison:
    """Compare ``current`` with ``baseline``, matching cases by bundle id."""
    old = {c.bundle: c for c in baseline.cases}
    new = {c.bundle: c for c in current.cases}
    changes: list[Change] = []
    for bundle in sorted(old.keys() & new.keys()):
        changes.extend(case_changes(old[bundle], new[bundle]))
    return Comparison(
        baseline_ac1=baseline.summary.ac1,
        current_ac1=current.summary.ac1,
        changes=changes,
        new_cases=sorted(new.keys() - old.keys()),
        missing_cases=sorted(old.keys() - new.keys()),
    )
