"""Eval results as plain data: one ``CaseResult`` per bundle and the run's ``Summary``.

The JSON written by ``agent eval --json`` is ``EvalRun.model_dump``; ``--baseline`` reads it
back with ``load_run``. A failed case (its bundle did not start, or the run crashed) counts as a
miss in every accuracy figure: a broken bundle must not raise the score by dropping out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from agent.errors import ConfigError


class CaseResult(BaseModel):
    """Every figure of one evaluated bundle."""

    bundle: str
    path: str
    truth_component: str = ""
    truth_category: str = ""
    error: str | None = None
    status: str = "failed"
    brain: str = ""
    predicted_component: str | None = None
    predicted_category: str | None = None
    rank: int | None = None
    ac1: bool = False
    ac3: bool = False
    avg5: float = 0.0
    category_match: bool = False
    key_evidence_recall: float = 0.0
    key_evidence_found: list[str] = Field(default_factory=list)
    verified_share: float | None = None
    denials: int = 0
    steps: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tool_result_tokens: int = 0
    cost_usd: float = 0.0
    wall_seconds: float = 0.0
    start_seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether the case produced no usable report."""
        return self.error is not None or self.status == "failed"


class Group(BaseModel):
    """Accuracy figures over a set of cases (all of them, or one category)."""

    cases: int = 0
    failed: int = 0
    ac1: float = 0.0
    ac3: float = 0.0
    avg5: float = 0.0
    category_accuracy: float = 0.0
    key_evidence_recall: float = 0.0
    verified_share: float | None = None


class Summary(Group):
    """The totals of a run, with usage added up and a breakdown per true category."""

    denials: int = 0
    steps: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tool_result_tokens: int = 0
    cost_usd: float = 0.0
    wall_seconds: float = 0.0
    per_category: dict[str, Group] = Field(default_factory=dict)


class EvalRun(BaseModel):
    """A whole eval run: the summary and every case."""

    summary: Summary
    cases: list[CaseResult]


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def group(cases: Sequence[CaseResult]) -> Group:
    """Accuracy figures of ``cases``."""
    shares = [c.verified_share for c in cases if c.verified_share is not None]
    return Group(
        cases=len(cases),
        failed=sum(c.failed for c in cases),
        ac1=_mean([float(c.ac1) for c in cases]),
        ac3=_mean([float(c.ac3) for c in cases]),
        avg5=_mean([c.avg5 for c in cases]),
        category_accuracy=_mean([float(c.category_match) for c in cases]),
        key_evidence_recall=_mean([c.key_evidence_recall for c in cases]),
        verified_share=_mean(shares) if shares else None,
    )


def summarise(cases: Sequence[CaseResult], wall_seconds: float) -> Summary:
    """The run's summary; ``wall_seconds`` is the run's elapsed time, not the cases' sum."""
    categories = sorted({c.truth_category or "unknown" for c in cases})
    return Summary(
        **group(cases).model_dump(),
        denials=sum(c.denials for c in cases),
        steps=sum(c.steps for c in cases),
        tool_calls=sum(c.tool_calls for c in cases),
        input_tokens=sum(c.input_tokens for c in cases),
        output_tokens=sum(c.output_tokens for c in cases),
        tool_result_tokens=sum(c.tool_result_tokens for c in cases),
        cost_usd=round(sum(c.cost_usd for c in cases), 6),
        wall_seconds=round(wall_seconds, 3),
        per_category={
            name: group([c for c in cases if (c.truth_category or "unknown") == name])
            for name in categories
        },
    )


def make_run(cases: Sequence[CaseResult], wall_seconds: float) -> EvalRun:
    """An ``EvalRun`` from its cases, sorted by bundle id for stable output."""
    ordered = sorted(cases, key=lambda c: (c.bundle, c.path))
    return EvalRun(summary=summarise(ordered, wall_seconds), cases=ordered)


def write_run(run: EvalRun, path: Path) -> None:
    """Write ``run`` as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(run.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_run(path: Path) -> EvalRun:
    """Read an earlier ``--json`` result.

    Raises:
        ConfigError: the file is unreadable or not an eval result.
    """
    try:
        return EvalRun.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigError(f"cannot read eval result {path}: {exc}") from exc
