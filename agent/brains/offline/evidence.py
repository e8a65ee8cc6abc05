"""Read what the tools returned: call records in, small typed facts out (pure functions).

Every fact keeps the id of the call it came from and a quote: a line of that call's output
(the exact text the ledger checks evidence against), so hypotheses can cite it verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent.investigation.state import CallRecord

_QUOTE_LEAD = 40  # characters kept before the needle in a long line
_QUOTE_MAX = 300


@dataclass(frozen=True, slots=True)
class Fact:
    """One observation: about ``component``, from call ``call_id``, quotable as ``quote``."""

    component: str
    kind: str
    call_id: str
    quote: str
    at: datetime | None = None
    detail: str = ""
    weight: float = 1.0


def parse_time(value: Any) -> datetime | None:
    """An RFC3339 string (``Z`` or offset) as an aware datetime; ``None`` if it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def quote_line(output: str, *needles: str) -> str | None:
    """The first line of ``output`` holding every needle (case-insensitive), clipped to size.

    A clipped line is still a substring of the output, so the ledger verifies it.
    """
    wanted = [_norm(n) for n in needles if n]
    for line in output.splitlines():
        text = line.strip()
        if text and all(n in _norm(text) for n in wanted):
            if len(text) <= _QUOTE_MAX or not wanted:
                return text[:_QUOTE_MAX].strip()
            # A long line: quote the window around what was looked for, not its preamble.
            at = max(0, text.casefold().find(wanted[0]))
            start = max(0, min(at - _QUOTE_LEAD, len(text) - _QUOTE_MAX))
            return text[start : start + _QUOTE_MAX].strip()
    return None


def records(turns: Iterable[Sequence[CallRecord]], name: str) -> list[CallRecord]:
    """Successful records of tool ``name`` (ok, no_data or truncated), in call order."""
    return [
        r
        for calls in turns
        for r in calls
        if r.name == name and r.status in ("ok", "no_data", "truncated")
    ]


def host_component(host: str, known: Iterable[str]) -> str:
    """The catalogue name a peer host refers to (``cart-cache.data.svc`` → ``cart-cache``).

    Falls back to the known name sharing the most name parts with the host, else the host's
    first label.
    """
    names = sorted(set(known))
    first = host.split(".")[0].split(":")[0]
    if first in names:
        return first
    host_l = host.lower()
    best, best_score = first, 0
    for name in names:
        parts = [p for p in re.split(r"[-_.]", name.lower()) if len(p) > 2]
        score = sum(1 for p in parts if p in host_l)
        if parts and score > best_score:
            best, best_score = name, score
    return best


@dataclass(frozen=True, slots=True)
class SeriesFact:
    """One summarised series of a query_metrics/alert_context result."""

    labels: dict[str, str]
    first_at: datetime | None
    change_at: datetime | None
    before: float | None
    after: float | None
    last: float
    maximum: float
    window_mean: float | None
    baseline_mean: float | None


def series(record: CallRecord) -> list[SeriesFact]:
    """The series facts in a metrics record's data (empty when the data was dropped)."""
    out = []
    for item in record.data.get("series") or []:
        if not isinstance(item, dict):
            continue
        change = item.get("change") or {}
        out.append(
            SeriesFact(
                labels={str(k): str(v) for k, v in (item.get("labels") or {}).items()},
                first_at=parse_time(item.get("first_at")),
                change_at=parse_time(change.get("at")),
                before=_float(change.get("before")),
                after=_float(change.get("after")),
                last=_float(item.get("last")) or 0.0,
                maximum=_float(item.get("max")) or 0.0,
                window_mean=_float(item.get("window_mean")),
                baseline_mean=_float(item.get("baseline_mean")),
            )
        )
    return out


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def rose(fact: SeriesFact, factor: float = 2.0, floor: float = 1e-9) -> bool:
    """Whether the series stepped up by ``factor`` (change point, else window vs baseline)."""
    if fact.change_at is not None and fact.before is not None and fact.after is not None:
        return fact.after > max(fact.before * factor, floor)
    if fact.window_mean is not None and fact.baseline_mean is not None:
        return fact.window_mean > max(fact.baseline_mean * factor, floor)
    return False


def onset(fact: SeriesFact) -> datetime | None:
    """When a series' anomaly began: its change point, else its first sample."""
    return fact.change_at or fact.first_at


@dataclass(frozen=True, slots=True)
class Edge:
    """A caller → callee edge of the service graph."""

    caller: str
    callee: str
    calls: int
    error_rate: float
    p95_ms: float


def edges(record: CallRecord, known: Iterable[str]) -> list[Edge]:
    """The service-graph edges, callee hosts mapped to catalogue names."""
    names = list(known)
    out = []
    for item in record.data.get("edges") or []:
        out.append(
            Edge(
                caller=str(item.get("caller")),
                callee=host_component(str(item.get("callee")), names),
                calls=int(item.get("calls") or 0),
                error_rate=float(item.get("error_rate") or 0.0),
                p95_ms=float(item.get("p95_ms") or 0.0),
            )
        )
    return out


def trace_origins(record: CallRecord, known: Iterable[str]) -> list[tuple[str, str]]:
    """Where a fetched trace's errors begin: (component, the error text), peers mapped."""
    names = list(known)
    out = []
    for item in record.data.get("error_origins") or []:
        peer = str(item.get("peer") or "")
        component = host_component(peer, names) if peer else str(item.get("service"))
        out.append((component, f"{item.get('service')} {item.get('span')}".strip()))
    return out


def slowest_leaf(record: CallRecord) -> str | None:
    """The last service of a fetched trace's critical path (where the time went)."""
    path = record.data.get("critical_path") or []
    if not path:
        return None
    return str(path[-1]).split(":", 1)[0]


def changes(record: CallRecord) -> list[tuple[datetime, str]]:
    """``deployment_history`` namespace-mode changes as (time, description)."""
    out = []
    for item in record.data.get("changes") or []:
        moment = parse_time(item.get("at"))
        if moment is not None:
            out.append((moment, str(item.get("what") or "")))
    return out


def templates(record: CallRecord) -> list[dict[str, Any]]:
    """``query_logs`` templates (NEW/SPIKE first)."""
    return [t for t in record.data.get("templates") or [] if isinstance(t, dict)]


def event_groups(record: CallRecord) -> list[dict[str, Any]]:
    """``k8s_events`` groups."""
    return [g for g in record.data.get("groups") or [] if isinstance(g, dict)]


def pods(record: CallRecord) -> list[dict[str, Any]]:
    """``pod_status`` pods."""
    return [p for p in record.data.get("pods") or [] if isinstance(p, dict)]
