"""Render an eval run: a fixed-width table for the terminal and Markdown for a pull request.

Both come from one set of rows (``_case_row``, ``_group_row``) so the two views cannot drift.
"""

from __future__ import annotations

from collections.abc import Sequence

from .compare import Comparison
from .results import CaseResult, EvalRun, Group

_CASE_HEADER = (
    "bundle",
    "category",
    "status",
    "rank",
    "AC@1",
    "AC@3",
    "cat",
    "recall",
    "verified",
    "denied",
    "steps",
    "calls",
    "tokens",
    "cost $",
    "wall s",
)
_GROUP_HEADER = (
    "group",
    "cases",
    "failed",
    "AC@1",
    "AC@3",
    "Avg@5",
    "category",
    "recall",
    "verified",
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _yes(value: bool) -> str:
    return "✓" if value else "✗"


def _case_row(case: CaseResult) -> list[str]:
    return [
        case.bundle,
        case.truth_category or "?",
        "FAILED" if case.failed else case.status,
        "-" if case.rank is None else str(case.rank),
        _yes(case.ac1),
        _yes(case.ac3),
        _yes(case.category_match),
        _pct(case.key_evidence_recall),
        _pct(case.verified_share),
        str(case.denials),
        str(case.steps),
        str(case.tool_calls),
        str(case.input_tokens + case.output_tokens),
        f"{case.cost_usd:.4f}",
        f"{case.wall_seconds:.2f}",
    ]


def _group_row(name: str, group: Group) -> list[str]:
    return [
        name,
        str(group.cases),
        str(group.failed),
        _pct(group.ac1),
        _pct(group.ac3),
        _pct(group.avg5),
        _pct(group.category_accuracy),
        _pct(group.key_evidence_recall),
        _pct(group.verified_share),
    ]


def _groups(run: EvalRun) -> list[list[str]]:
    rows = [_group_row("all", run.summary)]
    rows.extend(_group_row(name, g) for name, g in run.summary.per_category.items())
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows)
    return "\n".join(lines)


def _errors(run: EvalRun) -> list[str]:
    return [f"{c.bundle}: {c.error}" for c in run.cases if c.error]


def _usage_line(run: EvalRun) -> str:
    s = run.summary
    return (
        f"{s.cases} cases, {s.failed} failed; {s.steps} steps, {s.tool_calls} tool calls, "
        f"{s.denials} denied; {s.input_tokens + s.output_tokens} tokens "
        f"({s.tool_result_tokens} of tool results), ${s.cost_usd:.4f}; {s.wall_seconds:.1f}s"
    )


def _comparison_lines(comparison: Comparison) -> list[str]:
    lines = [f"AC@1 {comparison.baseline_ac1:.0%} → {comparison.current_ac1:.0%}"]
    lines.extend(f"regression: {c}" for c in comparison.regressions)
    lines.extend(f"improvement: {c}" for c in comparison.improvements)
    lines.extend(f"new case: {b}" for b in comparison.new_cases)
    lines.extend(f"missing case: {b}" for b in comparison.missing_cases)
    if len(lines) == 1:
        lines.append("no case changed")
    return lines


def render_text(run: EvalRun, comparison: Comparison | None = None) -> str:
    """The terminal view: per-bundle table, totals and per-category table, errors, comparison."""
    parts = [
        _table(_CASE_HEADER, [_case_row(c) for c in run.cases]),
        _table(_GROUP_HEADER, _groups(run)),
        _usage_line(run),
    ]
    errors = _errors(run)
    if errors:
        parts.append("\n".join(["errors:", *(f"  {e}" for e in errors)]))
    if comparison is not None:
        parts.append(
            "\n".join(["baseline:", *(f"  {line}" for line in _comparison_lines(comparison))])
        )
    return "\n\n".join(parts) + "\n"


def render_markdown(run: EvalRun, comparison: Comparison | None = None) -> str:
    """A Markdown report to paste into a pull request."""
    parts = [
        "## Eval results",
        _usage_line(run),
        "### Totals",
        _markdown_table(_GROUP_HEADER, _groups(run)),
        "### Cases",
        _markdown_table(_CASE_HEADER, [_case_row(c) for c in run.cases]),
    ]
    errors = _errors(run)
    if errors:
        parts.extend(["### Errors", "\n".join(f"- `{e}`" for e in errors)])
    if comparison is not None:
        parts.extend(
            ["### Against the baseline", "\n".join(f"- {x}" for x in _comparison_lines(comparison))]
        )
    return "\n\n".join(parts) + "\n"
