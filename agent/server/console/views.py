"""What the console's pages show, computed from stored investigations (no I/O here).

Templates get plain objects: a row per investigation for the list, and for one investigation
its report with a chart attached to each metric evidence item. Fields the report does not have
(no severity, no owner yet) are simply absent from the page; nothing is invented to fill them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from agent.investigation.state import InvestigationState
from agent.report.model import Evidence, Report
from tools.summarise.numbers import labels_text

from ..store import InvestigationRow
from .charts import pick, render, series_charts
from .explore import Explore

# The statuses the list filters by: the store's, plus "partial" (finished without a conclusion
# the loop could stand behind, e.g. a budget ran out).
FILTERS = ("queued", "running", "awaiting_approval", "done", "partial", "failed")


def shown_status(row: InvestigationRow) -> str:
    """The status a human reads: a finished investigation with a partial report is partial."""
    if (
        row.status in ("done", "awaiting_approval")
        and row.report
        and row.report.status == "partial"
    ):
        return "partial"
    return row.status


def age(seconds: float) -> str:
    """``45s``, ``12m``, ``3h``, ``2d``."""
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def owner_of(report: Report | None) -> str:
    """Who owns the fix: the report's ownership, else the first escalation's owner."""
    if report is None:
        return ""
    if report.ownership is not None:
        return report.ownership.team
    return report.escalation[0].owner if report.escalation else ""


def severity_of(row: InvestigationRow) -> str:
    """The report's severity when it has one, else the alert's ``severity`` label."""
    if row.report is not None and row.report.severity is not None:
        return row.report.severity.level
    return row.alert.labels.get("severity", "")


@dataclass(frozen=True, slots=True)
class ListRow:
    """One line of the investigations list."""

    id: str
    status: str
    alertname: str
    fingerprint: str
    namespace: str
    root_cause: str
    confidence: float | None
    severity: str
    age: str
    owner: str


def list_rows(
    rows: Iterable[InvestigationRow], now: float, status: str | None, namespace: str | None
) -> list[ListRow]:
    """The list's rows, filtered by shown status and namespace."""
    found = []
    for row in rows:
        shown = shown_status(row)
        ns = row.alert.namespace or ""
        if (status and shown != status) or (namespace and ns != namespace):
            continue
        cause = row.report.root_cause if row.report else None
        found.append(
            ListRow(
                id=row.id,
                status=shown,
                alertname=row.alert.name,
                fingerprint=row.fingerprint,
                namespace=ns,
                root_cause=cause.component if cause else "",
                confidence=cause.confidence if cause else None,
                severity=severity_of(row),
                age=age(now - row.created_at),
                owner=owner_of(row.report),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """One evidence item, with its chart when the tool fetched a series."""

    item: Evidence
    chart: Markup | None
    explore: str | None = None
    series: str = ""  # the charted series' label set, named in the caption


@dataclass(frozen=True, slots=True)
class HypothesisView:
    """A ranked hypothesis and its evidence."""

    rank: int
    hypothesis: Any
    evidence: list[EvidenceView] = field(default_factory=list)


def hypothesis_views(
    report: Report, state: InvestigationState | None, explore: Explore | None = None
) -> list[HypothesisView]:
    """The report's hypotheses, best first, each evidence item charted when it can be.

    With ``explore``, an item whose query Grafana can re-run links to it in Explore.
    """
    records = {}
    if state is not None:
        records = {call.id: call for turn in state.turns for call in turn.calls}
    cache: dict[str, list[Any]] = {}
    views = []
    for rank, hypothesis in enumerate(report.hypotheses, start=1):
        items = []
        for evidence in hypothesis.evidence:
            record = records.get(evidence.tool_call_id)
            if record is not None and record.id not in cache:
                cache[record.id] = series_charts(record.data)
            chart = pick(cache.get(evidence.tool_call_id, []), evidence.quote)
            link = None
            if explore is not None and record is not None and state is not None:
                link = explore.link(record, state.alert.starts_at)
            items.append(
                EvidenceView(
                    evidence,
                    render(chart) if chart else None,
                    link,
                    labels_text(chart.labels) if chart else "",
                )
            )
        views.append(HypothesisView(rank, hypothesis, items))
    return views


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL; anything else (``javascript:``) is not a link."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def namespaces(rows: Sequence[InvestigationRow]) -> list[str]:
    """The namespaces to offer in the list's filter."""
    return sorted({row.alert.namespace for row in rows if row.alert.namespace})
