"""The ledger calls and the ``submit_report`` arguments for a ranked conclusion."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from agent.investigation.state import CallRecord

from .evidence import Fact
from .rank import Verdict

_PAGES = {
    "deployment": "A recent software update caused errors for some requests.",
    "configuration": "A configuration problem caused some requests to fail.",
    "resource": "A component ran short of resources, causing errors and slow responses.",
    "dependency": "A backing system had a problem, causing errors and slow responses.",
    "network": "A networking problem prevented some requests from completing.",
    "capacity": "Unusually high demand exceeded our current capacity.",
    "infrastructure": "A problem with our hosting infrastructure disrupted some requests.",
    "code": "A software defect caused some requests to fail.",
}


def statement(verdict: Verdict) -> str:
    """A one-sentence hypothesis for ``verdict``."""
    causes = verdict.causes
    kinds = {f.kind for f in verdict.facts}
    if causes:
        why = causes[0].detail or causes[0].kind.replace("_", " ")
    elif kinds & {"ranked", "weak_rank"}:
        # Located by the ranking, whose signals may be latency or resource use, not errors.
        why = "its signals changed most at the onset (rank_components)"
    else:
        why = "errors start here"
    return f"{verdict.component} is the root cause ({verdict.category}): {why}"[:590]


def evidence_items(facts: tuple[Fact, ...] | list[Fact], limit: int = 6) -> list[dict[str, str]]:
    """Distinct quotes of the strongest facts (causes first), as ledger evidence."""
    seen: set[tuple[str, str]] = set()
    items = []
    for fact in sorted(facts, key=lambda f: (-f.weight, f.kind, f.call_id)):
        key = (fact.call_id, fact.quote)
        if key in seen or len(fact.quote) < 3:
            continue
        seen.add(key)
        items.append({"tool_call_id": fact.call_id, "quote": fact.quote[:400]})
        if len(items) == limit:
            break
    return items


def remediation(
    verdict: Verdict, namespace: str | None, history: CallRecord | None
) -> list[dict[str, Any]]:
    """Roll back a bad rollout (image or limits) to the previous revision; else manual."""
    if namespace is None:
        return []
    target = {"kind": "Deployment", "namespace": namespace, "name": verdict.component}
    kinds = {f.kind for f in verdict.facts}
    revisions = (history.data.get("revisions") if history else None) or []
    if kinds & {"rollout_image", "rollout_resources", "rollout_other"} and len(revisions) >= 2:
        previous = revisions[-2].get("revision")
        if isinstance(previous, int):
            return [
                {
                    "action": "rollback_deployment",
                    "target": target,
                    "params": {"to_revision": previous},
                    "rationale": f"Undo the rollout that preceded the onset; revision "
                    f"{previous} ran without these errors.",
                    "risk": "low",
                }
            ]
    return [
        {
            "action": "manual",
            "target": target,
            "params": {},
            "rationale": f"Fix the {verdict.category} problem of {verdict.component} named in "
            "the summary; no safe automatic action applies.",
            "risk": "medium",
        }
    ]


def submission(
    root_id: str | None,
    verdict: Verdict | None,
    conclusive: bool,
    onset: datetime,
    alert_name: str,
    alert_at: datetime,
    remediations: list[dict[str, Any]],
    gaps: list[str],
) -> dict[str, Any]:
    """The ``submit_report`` arguments."""
    timeline: list[dict[str, Any]] = []
    if verdict is None:
        return {
            "summary": "No component stood out: the evidence gathered was inconclusive.",
            "confidence": 0.1,
            "timeline": [{"time": onset.isoformat(), "event": "errors began", "source": "alert"}],
            "data_gaps": gaps[:20],
        }
    for fact in verdict.causes[:3]:
        if fact.at is not None:
            timeline.append(
                {
                    "time": fact.at.isoformat(),
                    "event": f"{fact.kind.replace('_', ' ')}: {fact.detail or fact.quote}"[:300],
                    "source": fact.call_id,
                }
            )
    timeline.append({"time": onset.isoformat(), "event": "symptoms began", "source": "alert"})
    reasons = "; ".join(
        dict.fromkeys(
            _clip(f.detail or f.quote, 200) for f in verdict.causes[:3] or verdict.facts[:3]
        )
    )
    symptom = next((f for f in verdict.facts if f.kind in _TELLING_SYMPTOMS), None)
    seen = f" New at onset: {_clip(symptom.quote.split(': ', 1)[-1], 240)}." if symptom else ""
    reasons = _REVISION.sub(r"revision \1", reasons)
    summary = (
        f"{verdict.component} ({verdict.category}) is the most likely root cause: "
        f"{reasons}.{seen} Symptoms began at "
        f"{onset:%Y-%m-%d %H:%M:%S} UTC; {alert_name} fired at {alert_at:%H:%M:%S} UTC."
    )
    confidence = min(0.9, 0.3 + 0.05 * verdict.score) if conclusive else 0.15
    if not conclusive:
        summary = (
            f"Inconclusive: no signal stood out beyond ordinary variation. The leading open "
            f"hypothesis is {verdict.component} ({verdict.category}); the other candidates are "
            f"listed with their evidence. {summary}"
        )
    return {
        "root_cause_hypothesis": root_id,
        "summary": summary[:1500],
        "confidence": round(confidence, 2),
        "timeline": timeline,
        "remediations": remediations,
        "status_page": {
            "title": "Degraded service",
            "body": _PAGES.get(verdict.category, _PAGES["code"])
            + " Our engineers have identified the cause and are working on a fix.",
        },
        "data_gaps": gaps[:20],
    }


# Symptoms whose own text names what went wrong (an exception, an exhausted pool, ...).
_TELLING_SYMPTOMS = frozenset({"exception", "pool", "peer_failing"})
_REVISION = re.compile(r"\brev (\d+)")


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary within ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
