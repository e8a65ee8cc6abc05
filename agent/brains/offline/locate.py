"""Locate with the ranking: ``rank_components`` entries become symptom facts per component.

A ranked entry's weight is its score in units of ``SIGNIFICANT`` (the robust-z cut-off for an
outlier), so an entry at the cut-off counts like one ordinary symptom and a clear outlier like
several; entries below the cut-off are kept as *weak* facts: open hypotheses, never a
confident conclusion. The aspects of an entry's top signals feed the category (``rank``):
resource use at the component, or time added between a caller and its callee.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.investigation.state import CallRecord

from . import evidence as ev
from .analysis import Suspects
from .evidence import Fact

# 3.5 robust standard deviations: the conventional outlier cut-off (Iglewicz and Hoaglin).
SIGNIFICANT = 3.5
# Ranking weights are capped: past ten robust units every outlier is equally certain, and
# the bounded scores (see tools.localize.robust) rarely go further.
_MAX_WEIGHT = 10.0 / SIGNIFICANT


@dataclass(frozen=True, slots=True)
class Located:
    """One ranked component as the investigator reads it."""

    component: str
    score: float  # the score it is ranked by (its own, capped by an explaining callee's)
    resource: float  # strongest resource-use signal (metrics)
    gap: float  # strongest caller/callee gap signal (edges, traces)
    errors: float  # strongest error or log-shift signal
    explained_by: str | None = None  # an anomalous callee that explains it


def ranking(turns: list[list[CallRecord]]) -> list[Located]:
    """The entries of the (last) ``rank_components`` result, in rank order."""
    found = ev.records(turns, "rank_components")
    if not found:
        return []
    out = []
    for entry in found[-1].data.get("ranking") or []:
        if not isinstance(entry, dict):
            continue
        raw = entry.get("aspects")
        aspects: dict[str, object] = raw if isinstance(raw, dict) else {}

        def strongest(*names: str, aspects: dict[str, object] = aspects) -> float:
            return max((float(str(aspects.get(n) or 0.0)) for n in names), default=0.0)

        out.append(
            Located(
                component=str(entry.get("component")),
                score=float(entry.get("rank_score", entry.get("score")) or 0.0),
                resource=strongest("resource"),
                gap=strongest("gap"),
                errors=strongest("errors"),
                explained_by=str(entry["explained_by"]) if entry.get("explained_by") else None,
            )
        )
    return out


def ranking_facts(turns: list[list[CallRecord]], into: Suspects) -> None:
    """One ``ranked`` fact per entry (``weak_rank`` below the cut-off), quoting its line."""
    found = ev.records(turns, "rank_components")
    if not found:
        return
    record = found[-1]
    for position, located in enumerate(ranking(turns), start=1):
        quote = ev.quote_line(record.output, f"{position}. {located.component}: score")
        if not quote:
            continue
        kind = "ranked" if located.score >= SIGNIFICANT else "weak_rank"
        weight = min(located.score / SIGNIFICANT, _MAX_WEIGHT)
        into.add(Fact(located.component, kind, record.id, quote, weight=round(weight, 3)))
        top = _first_signal(record.output, quote)
        if top:
            into.add(Fact(located.component, "signal", record.id, top, weight=0.0))


def _first_signal(output: str, head: str) -> str | None:
    """The first signal line under an entry's head line (the strongest signal), clipped."""
    lines = [line.strip() for line in output.splitlines()]
    try:
        at = lines.index(head)
    except ValueError:
        return None
    following = lines[at + 1] if at + 1 < len(lines) else ""
    return following[:300].strip() if following.startswith("- ") else None
