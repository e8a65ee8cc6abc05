"""Turn an investigation's state into its ``Report``.

The report is built from structured state only: the ledger, the submission and the call
records. Telemetry-derived prose is never trusted: components are normalised to workloads,
remediation targets are checked against the scope, and the status page is scrubbed of
internal names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from agent.bundle.model import Catalog
from agent.config.settings import TriageSettings
from agent.k8s_names import workload_of
from agent.report.model import Remediation, Report, StatusPage
from agent.report.status_page import sanitize_status_page
from agent.report.triage import triage

from .coverage import NO_TELEMETRY_CONFIDENCE_CAP, coverage_gaps, saw_telemetry
from .state import HypothesisEntry, InvestigationState

_STATUS_ORDER = {"supported": 0, "open": 1, "refuted": 2}
_DEFAULT_PAGE = StatusPage(
    title="Degraded service",
    body="Some requests are failing or slow. Our engineers are investigating and will post an "
    "update shortly.",
)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the report builder needs besides the state."""

    namespaces: frozenset[str]
    catalog: Catalog = field(default_factory=Catalog)
    triage: TriageSettings = field(default_factory=TriageSettings)


def rank(hypotheses: list[HypothesisEntry]) -> list[HypothesisEntry]:
    """Supported first, then open, then refuted; by confidence within each."""
    return sorted(hypotheses, key=lambda h: (_STATUS_ORDER[h.status], -h.confidence, h.id))


def build_report(
    state: InvestigationState, ctx: ReportContext, status: str, finished_at: datetime
) -> Report:
    """Build the report of ``state`` with the given status."""
    final = state.final or {}
    ranked = rank(state.hypotheses)
    root = _root_cause(state, final, ranked)
    data_gaps = list(
        dict.fromkeys([*state.data_gaps, *final.get("data_gaps", []), *coverage_gaps(state)])
    )
    remediations, dropped = _remediations(state, ctx, final.get("remediations", []))
    data_gaps.extend(dropped)
    if state.ended_reason:
        data_gaps.append(f"investigation ended early: {state.ended_reason}")
    drafted = final.get("status_page") or {}
    page = (
        StatusPage.model_validate({k: v for k, v in drafted.items() if v is not None})
        if drafted
        else None
    )
    report = {
        "investigation_id": state.id,
        "alert": {
            "fingerprint": state.alert.fingerprint,
            "name": state.alert.name,
            "labels": state.alert.labels,
        },
        "status": status,
        "brain": state.brain,
        "root_cause": root,
        "hypotheses": [_hypothesis(h) for h in ranked],
        "timeline": _timeline(state, final),
        "data_gaps": data_gaps,
        "remediations": remediations,
        "status_page": sanitize_status_page(page or _DEFAULT_PAGE, _internal_names(state, ctx)),
        "escalation": _escalation(state, ctx, root),
        "usage": {
            "steps": state.usage.steps,
            "tool_calls": state.usage.tool_calls,
            "input_tokens": state.usage.input_tokens,
            "output_tokens": state.usage.output_tokens,
            "cache_read_tokens": state.usage.cache_read_tokens,
            "cache_write_tokens": state.usage.cache_write_tokens,
            "cost_usd": state.usage.cost_usd,
            "wall_seconds": round((finished_at - state.started_at).total_seconds(), 3),
        },
        "degraded_reason": state.ended_reason,
        "started_at": state.started_at,
        "finished_at": finished_at,
    }
    calls = [record for turn in state.turns for record in turn.calls]
    return triage(Report.model_validate(report), state.alert, calls, ctx.catalog, ctx.triage, final)


def _root_cause(
    state: InvestigationState, final: dict[str, Any], ranked: list[HypothesisEntry]
) -> dict[str, Any] | None:
    chosen = (
        state.hypothesis(final["root_cause_hypothesis"])
        if final.get("root_cause_hypothesis")
        else None
    )
    if chosen is None:
        candidates = [h for h in ranked if h.status != "refuted"]
        chosen = candidates[0] if candidates else None
    if chosen is None:
        return None
    confidence = chosen.confidence
    if final:
        confidence = min(confidence, float(final["confidence"]))
    if not saw_telemetry(state):
        confidence = min(confidence, NO_TELEMETRY_CONFIDENCE_CAP)
    return {
        "component": workload_of(chosen.component),
        "category": chosen.category,
        "summary": final.get("summary") or chosen.statement,
        "confidence": round(confidence, 3),
    }


def _hypothesis(entry: HypothesisEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "component": workload_of(entry.component),
        "category": entry.category,
        "statement": entry.statement,
        "status": entry.status,
        "confidence": entry.confidence,
        "evidence": [e.model_dump() for e in entry.evidence],
    }


def _timeline(state: InvestigationState, final: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "time": state.alert.starts_at,
            "event": f"alert {state.alert.name} fired",
            "source": "alert",
        }
    ]
    for item in final.get("timeline", []):
        moment = item["time"]
        events.append(
            {**item, "time": datetime.fromisoformat(moment) if isinstance(moment, str) else moment}
        )
    return sorted(events, key=lambda e: e["time"])


def _remediations(
    state: InvestigationState, ctx: ReportContext, proposals: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    kept: list[dict[str, Any]] = []
    dropped: list[str] = []
    for proposal in proposals:
        target = proposal["target"]
        if target["namespace"] not in ctx.namespaces:
            dropped.append(
                f"remediation for {target['namespace']}/{target['name']} dropped: outside the "
                "investigation's scope"
            )
            continue
        candidate = {
            **proposal,
            "id": f"R{len(kept) + 1}",
            "precondition": _precondition(state, target["namespace"], target["name"]),
        }
        try:
            Remediation.model_validate(candidate)
        except ValidationError as exc:
            # One bad proposal (replicas: 0) must not cost the whole report.
            problems = "; ".join(e["msg"] for e in exc.errors())
            dropped.append(
                f"remediation {proposal.get('action')} for {target['namespace']}/"
                f"{target['name']} dropped: invalid: {problems}"
            )
            continue
        kept.append(candidate)
    return kept, dropped


def _precondition(state: InvestigationState, namespace: str, name: str) -> dict[str, Any]:
    """The target's revision and resourceVersion as the investigation last saw them."""
    found: dict[str, Any] = {}
    for turn in state.turns:
        for record in turn.calls:
            args = record.arguments
            if record.name != "deployment_history" or args.get("name") != name:
                continue
            if args.get("namespace") not in (None, namespace):
                continue
            if "resource_version" in record.data:
                found["resource_version"] = str(record.data["resource_version"])
            if isinstance(record.data.get("current_revision"), int):
                found["revision"] = record.data["current_revision"]
    return found


def _escalation(
    state: InvestigationState, ctx: ReportContext, root: dict[str, Any] | None
) -> list[dict[str, Any]]:
    wanted = [root["component"]] if root else []
    service = state.alert.labels.get("service")
    if service:
        wanted.append(service)
    out = []
    for name in dict.fromkeys(wanted):
        entry = next((s for s in ctx.catalog.services if s.name == name), None)
        if entry is not None and (entry.owner or entry.team_channel):
            out.append(
                {
                    "service": entry.name,
                    "owner": entry.owner or "",
                    "team_channel": entry.team_channel or "",
                    "runbook_url": entry.runbook_url or "",
                }
            )
    return out


def _internal_names(state: InvestigationState, ctx: ReportContext) -> set[str]:
    """Names customers must not see: services, namespaces, pods, nodes, hosts seen so far."""
    names = set(ctx.namespaces) | {s.name for s in ctx.catalog.services}
    names |= {v for k, v in state.alert.labels.items() if k not in {"alertname", "severity"}}
    names |= {h.component for h in state.hypotheses}
    for turn in state.turns:
        for record in turn.calls:
            _collect_names(record.data, names)
    return {n for n in names if n and len(n) > 2}


# Keys of tool data whose values name internal things (pods, nodes, workloads, peers).
_NAME_KEYS = frozenset(
    {"name", "pod", "node", "service", "caller", "callee", "deployment", "replicaset", "workload"}
)


def _collect_names(data: Any, into: set[str]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _NAME_KEYS and isinstance(value, str):
                into.add(value)
            else:
                _collect_names(value, into)
    elif isinstance(data, list):
        for item in data:
            _collect_names(item, into)
