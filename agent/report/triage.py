"""The triage fields of a report: severity, affected services, next steps, data needed, owner.

A post-processing step over a built report, generic over brains: everything is derived from
the alert, the evidence (the tool calls' structured data) and the catalogue, and a brain may
override any field through ``submit_report`` (its next steps only if they are read-only).

- **Severity** starts from the alert's own label (``sev1``…``sev4``/``p1``…``p4`` taken as
  given; ``critical``/``page`` SEV-2; ``warning`` SEV-3; ``info`` SEV-4) and rises one level
  when most requests fail (a ratio-valued rule expression peaking at or above ``MAJORITY``).
  Without a label, the catalogue's SLO decides: an error budget burnt ``BUDGET_MULTIPLE``
  times over is SEV-2, else SEV-3. The reason names every input, including the blast radius.
- **Ownership**: causes in the cluster itself (infrastructure, capacity, network) or in a
  component no one owns go to the platform team; anything else to the service's team — from
  the catalogue, else from the workload's Kubernetes labels (``app.kubernetes.io/part-of``,
  ``team``/``owner`` labels or annotations) as seen by ``deployment_history``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from agent.alerts.model import Alert
from agent.bundle.model import Catalog, CatalogService
from agent.config.settings import TriageSettings
from agent.report.explore import explore_link
from agent.report.model import Report

# A majority of requests failing is an outage for most users, not a degradation.
MAJORITY = 0.5
# Burning the error budget this many times faster than allowed exhausts a month's budget in
# days: the SRE workbook's threshold for paging (14.4× over an hour) rounded down.
BUDGET_MULTIPLE = 10.0
_EVIDENCE_STEPS = 3  # re-runnable queries worth listing; the report has the rest
_PLATFORM_CATEGORIES = frozenset({"infrastructure", "capacity", "network"})
_LEVELS = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
_SEVERITY_WORDS = {
    "critical": 1,
    "page": 1,
    "high": 1,
    "error": 1,
    "major": 1,
    "warning": 2,
    "warn": 2,
    "medium": 2,
    "minor": 2,
    "info": 3,
    "low": 3,
    "none": 3,
}  # fmt: skip  (index into _LEVELS)
_EXPLICIT = re.compile(r"^(?:sev|p)-?([1-4])$", re.IGNORECASE)
_SLO = re.compile(r"(\d{2}(?:\.\d+)?)\s*%")
# kubectl verbs that only read; anything else a brain proposes is dropped.
_READ_ONLY_KUBECTL = re.compile(
    r"^kubectl\s+(?:(?:-n|--namespace|--context)\s+\S+\s+)*"
    r"(?:get|describe|logs|top|events|explain|rollout\s+(?:history|status)|auth\s+can-i)\b"
)
_SHELL_META = re.compile(r"[;&|`$<>\n]")


class CallLike(Protocol):
    """What triage reads from a tool call record."""

    name: str
    arguments: dict[str, Any]
    data: dict[str, Any]
    status: str


def triage(
    report: Report,
    alert: Alert,
    calls: Sequence[CallLike],
    catalog: Catalog,
    settings: TriageSettings,
    overrides: dict[str, Any] | None = None,
) -> Report:
    """``report`` with its triage fields filled in."""
    final = overrides or {}
    services = _affected(report, alert, final)
    entry = _service(catalog, alert.labels.get("service") or (services[0] if services else ""))
    severity = final.get("severity") or _severity(alert, calls, entry, services)
    page = report.status_page.model_dump() if report.status_page else None
    if page is not None:
        drafted = (final.get("status_page") or {}).get("status")
        page["status"] = drafted or _page_status(report, alert)
        page["component"] = page.get("component") or (
            entry.status_page_component if entry else None
        )
    steps, dropped = _steps(report, alert, calls, catalog, settings, final.get("next_steps") or [])
    return Report.model_validate(
        {
            **report.model_dump(),
            "severity": severity,
            "affected_services": services,
            "next_steps": steps,
            "data_needed": _data_needed(report, calls, final.get("data_needed") or [], dropped),
            "ownership": _ownership(report, calls, catalog, settings),
            "status_page": page,
        }
    )


def _service(catalog: Catalog, name: str) -> CatalogService | None:
    return next((s for s in catalog.services if s.name == name), None)


def _affected(report: Report, alert: Alert, final: dict[str, Any]) -> list[str]:
    names = [report.root_cause.component] if report.root_cause else []
    if alert.labels.get("service"):
        names.append(alert.labels["service"])
    names += [h.component for h in report.hypotheses if h.status != "refuted"]
    names += [str(n) for n in final.get("affected_services") or []]
    return list(dict.fromkeys(n for n in names if n))


def _label_level(alert: Alert) -> tuple[int, str] | None:
    for key in ("severity", "priority"):
        value = alert.labels.get(key, "").strip()
        explicit = _EXPLICIT.match(value)
        if explicit:
            return int(explicit[1]) - 1, f"alert {key} {value}"
        if value.lower() in _SEVERITY_WORDS:
            return _SEVERITY_WORDS[value.lower()], f"alert {key} {value}"
    return None


def _peak_ratio(calls: Sequence[CallLike]) -> float | None:
    """The alert expression's peak, when the expression is a ratio (values within [0, 1])."""
    for call in calls:
        if call.name != "alert_context" or call.status != "ok":
            continue
        expression = str(call.data.get("expression") or "")
        series = call.data.get("series") or []
        peaks = [s.get("max") for s in series if isinstance(s, dict)]
        values = [float(p) for p in peaks if isinstance(p, int | float)]
        if " / " in expression and values and all(0.0 <= v <= 1.0 for v in values):
            return max(values)
    return None


def _severity(
    alert: Alert, calls: Sequence[CallLike], entry: CatalogService | None, services: list[str]
) -> dict[str, str]:
    labelled = _label_level(alert)
    share = _peak_ratio(calls)
    slo = _SLO.search(entry.slo or "") if entry else None
    burn = None
    if slo and share is not None and float(slo[1]) < 100.0:
        burn = share / (1.0 - float(slo[1]) / 100.0)
    if labelled is not None:
        level, reasons = labelled[0], [labelled[1]]
    elif burn is not None:
        level, reasons = (1 if burn >= BUDGET_MULTIPLE else 2), ["no severity label"]
    else:
        level, reasons = 2, ["no severity label and no measured error share"]
    if share is not None:
        reasons.append(f"peak {share:.0%} of requests failing")
        if share >= MAJORITY:
            level -= 1
    if burn is not None and slo is not None:
        reasons.append(f"SLO {slo[1]}%: error budget burnt {burn:.0f}× over")
    if len(services) > 1:
        reasons.append(f"{len(services)} services affected ({', '.join(services[:5])})")
    return {"level": _LEVELS[max(0, min(level, 3))], "reason": "; ".join(reasons)}


def _page_status(report: Report, alert: Alert) -> str:
    if alert.status == "resolved":
        return "resolved"
    root = report.root_cause
    return (
        "identified"
        if root and report.status == "complete" and root.confidence >= 0.5
        else "investigating"
    )


def _workload(
    component: str, report: Report, alert: Alert, calls: Sequence[CallLike], catalog: Catalog
) -> tuple[str, bool]:
    """The namespace of ``component`` and whether it was seen as a Deployment.

    From what the investigation saw, most specific first: a remediation's target, the
    catalogue, a tool call about it by name; else the alert's namespace.
    """
    for r in report.remediations:
        if r.target.name == component:
            return r.target.namespace, True
    seen = [c for c in calls if component in (c.arguments.get("name"), c.data.get("deployment"))]
    is_deployment = any(c.name == "deployment_history" and c.status == "ok" for c in seen)
    entry = _service(catalog, component)
    if entry is not None and entry.namespace:
        return entry.namespace, is_deployment
    namespace = next(
        (str(c.arguments["namespace"]) for c in seen if c.arguments.get("namespace")), None
    )
    return namespace or alert.namespace or "default", is_deployment


def _steps(
    report: Report, alert: Alert, calls: Sequence[CallLike], catalog: Catalog,
    settings: TriageSettings, drafted: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[str]]:  # fmt: skip
    steps: list[dict[str, Any]] = []
    dropped: list[str] = []
    for step in drafted:
        if _read_only(step.get("kind", ""), step.get("command", "")):
            steps.append({**step, "link": None})
        else:
            dropped.append(
                f"next step dropped, not a read-only command: {step.get('command', '')[:80]}"
            )
    root = report.root_cause
    start = alert.starts_at - timedelta(minutes=30)
    if root is not None and root.category in _PLATFORM_CATEGORIES:
        steps.append(_step("Check the nodes' conditions and pressure", "kubectl",
                           "kubectl get nodes -o wide", "a node NotReady or under pressure"))  # fmt: skip
        steps.append(_step("List the cluster's recent warnings", "kubectl",
                           "kubectl get events -A --field-selector type=Warning",
                           f"warnings about {root.component} from {_hhmm(alert.starts_at)} on"))  # fmt: skip
    elif root is not None:
        ns, is_deployment = _workload(root.component, report, alert, calls, catalog)
        workload = (
            f"deployment/{root.component}" if is_deployment else f"all -l app={root.component}"
        )
        if root.category in ("deployment", "configuration") and is_deployment:
            steps.append(_step("Confirm which revision introduced the change", "kubectl",
                               f"kubectl -n {ns} rollout history {workload}",
                               f"a new revision of {root.component} shortly before {_hhmm(alert.starts_at)}"))  # fmt: skip
        steps.append(_step(f"Check the state and events of {root.component}", "kubectl",
                           f"kubectl -n {ns} describe {workload}",
                           "the conditions and events that match the root cause"))  # fmt: skip
    by_id = {getattr(c, "id", ""): c for c in calls}
    top = report.hypotheses[0] if report.hypotheses else None
    queried = 0
    for item in top.evidence if top else []:
        call = by_id.get(item.tool_call_id)
        query = str(call.arguments.get("query", "")) if call else ""
        kind = {"query_metrics": "promql", "query_logs": "logql"}.get(item.tool)
        if kind and query and queried < _EVIDENCE_STEPS:
            queried += 1
            steps.append(_step(f"Re-run the {item.tool} evidence", kind, query,
                               f"still shows: {item.quote[:160]}",
                               explore_link(settings, kind, query, start, report.finished_at)))  # fmt: skip
    for remediation in report.remediations:
        if remediation.action != "manual":
            steps.append(_step(f"Decide on {remediation.id} ({remediation.action})", "agent",
                               f"agent approve {report.investigation_id} {remediation.id} --dry-run "
                               "--executor-kubeconfig PATH",
                               "the exact request the gate would send; nothing is changed"))  # fmt: skip
    unique = list({s["command"]: s for s in steps}.values())
    return unique, dropped


def _step(
    action: str, kind: str, command: str, expected: str, link: str | None = None
) -> dict[str, Any]:
    return {"action": action, "kind": kind, "command": command, "expected": expected, "link": link}


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC")


def _read_only(kind: str, command: str) -> bool:
    if kind == "kubectl":
        return bool(_READ_ONLY_KUBECTL.match(command)) and not _SHELL_META.search(command)
    if kind == "url":
        return command.startswith(("https://", "http://")) and not _SHELL_META.search(command)
    return kind in ("promql", "logql", "traceql")  # queries are read-only by construction


def _data_needed(
    report: Report, calls: Sequence[CallLike], drafted: list[str], dropped: list[str]
) -> list[str]:
    needed = [str(d) for d in drafted]
    for gap in report.data_gaps:
        needed.append(f"restore the missing source, then re-run: {gap}")
    families = {"metrics": ("query_metrics", "alert_context"), "logs": ("query_logs",),
                "traces": ("trace_lookup", "service_graph"),
                "Kubernetes state": ("pod_status", "deployment_history", "k8s_events")}  # fmt: skip
    for family, tools in families.items():
        if not any(c.name in tools and c.status == "ok" for c in calls):
            needed.append(f"{family}: no successful query; they would test the cause independently")
    top = report.hypotheses[0] if report.hypotheses else None
    if top is not None and any(not e.verified for e in top.evidence):
        needed.append(
            f"evidence for {top.id} that quotes tool output verbatim (some quotes unverified)"
        )
    root = report.root_cause
    if root is not None and root.confidence < 0.5:
        needed.append(f"a second, independent signal implicating {root.component}")
    return list(dict.fromkeys([*needed, *dropped]))


def _labels_owner(calls: Sequence[CallLike], component: str) -> tuple[str, str] | None:
    for call in calls:
        if call.name == "deployment_history" and call.data.get("deployment") == component:
            hints = call.data.get("owner") or {}
            for key in ("team", "owner", "part_of"):
                if hints.get(key):
                    return str(hints[key]), f"Kubernetes {key.replace('_', '-')} of {component}"
    return None


def _ownership(
    report: Report, calls: Sequence[CallLike], catalog: Catalog, settings: TriageSettings
) -> dict[str, str] | None:
    root = report.root_cause
    if root is None:
        return None
    if root.category in _PLATFORM_CATEGORIES:
        return {"team": settings.platform_team, "kind": "platform",
                "reason": f"{root.category} cause: the fix is in the cluster, not the service"}  # fmt: skip
    entry = _service(catalog, root.component)
    if entry is not None and entry.owner:
        return {"team": entry.owner, "kind": "service",
                "reason": f"{root.category} of {root.component}; the catalogue names its owner"}  # fmt: skip
    labelled = _labels_owner(calls, root.component)
    if labelled is not None:
        return {"team": labelled[0], "kind": "service", "reason": f"{root.category}; {labelled[1]}"}
    return {"team": settings.platform_team, "kind": "platform",
            "reason": f"no owner of {root.component} in the catalogue or its labels"}  # fmt: skip
