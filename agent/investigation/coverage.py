"""What telemetry an investigation actually saw, and what that means for its report.

A report that names a cause must say what it rests on. A call the policy denied, a backend that
failed and a backend that answered 200 with nothing (a wrong tenant looks exactly like that) all
leave the investigation blind in the same way, so each is a data gap. When no metrics, logs or
traces call returned any data, the conclusion rests on Kubernetes state alone: the report says
so and its confidence is capped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .state import CallRecord, InvestigationState

# Which telemetry source each tool reads. Tools not listed read Kubernetes or the alert, which
# say what changed but not whether the service is actually unwell.
TELEMETRY_SOURCES: dict[str, tuple[str, ...]] = {
    "query_metrics": ("metrics",),
    "list_metrics": ("metrics",),
    "query_logs": ("logs",),
    "log_labels": ("logs",),
    "trace_lookup": ("traces",),
    "service_graph": ("traces",),
    "rank_components": ("metrics", "logs", "traces"),
}
_WITH_DATA = frozenset({"ok", "truncated"})
# A cause named without a single look at metrics, logs or traces is a lead, not a finding: the
# cap is the ledger's starting confidence for an open hypothesis.
NO_TELEMETRY_CONFIDENCE_CAP = 0.3


@dataclass(slots=True)
class SourceCoverage:
    """How the calls to one telemetry source ended."""

    calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def with_data(self) -> int:
        """Calls that returned data."""
        return sum(self.outcomes[s] for s in _WITH_DATA)


def _telemetry_calls(state: InvestigationState) -> list[CallRecord]:
    return [c for t in state.turns for c in t.calls if c.name in TELEMETRY_SOURCES]


def coverage(state: InvestigationState) -> dict[str, SourceCoverage]:
    """Per telemetry source, how many calls were made and how each ended."""
    out: dict[str, SourceCoverage] = {}
    for call in _telemetry_calls(state):
        for source in TELEMETRY_SOURCES[call.name]:
            entry = out.setdefault(source, SourceCoverage())
            entry.calls += 1
            entry.outcomes[call.status] += 1
    return out


def saw_telemetry(state: InvestigationState) -> bool:
    """Whether any metrics, logs or traces call returned data."""
    return any(c.status in _WITH_DATA for c in _telemetry_calls(state))


def coverage_gaps(state: InvestigationState) -> list[str]:
    """Data gaps from denied, failed and empty telemetry calls, one line per tool and outcome."""
    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    reasons: dict[tuple[str, str], str] = {}
    for call in _telemetry_calls(state):
        totals[call.name] += 1
        if call.status in _WITH_DATA:
            continue
        key = (call.name, call.status)
        counts[key] += 1
        if call.status == "denied" and key not in reasons and call.rule:
            reasons[key] = call.rule
    gaps = []
    for (tool, status), n in counts.items():
        what = {"denied": "denied by policy", "no_data": "returned no data"}.get(status, "failed")
        rule = f" ({reasons[(tool, status)]})" if (tool, status) in reasons else ""
        gaps.append(f"{tool}: {n} of {totals[tool]} calls {what}{rule}")
    if not saw_telemetry(state):
        gaps.append(
            "no telemetry: no metrics, logs or traces call returned data, so the conclusion "
            "rests on Kubernetes state alone (confidence capped at "
            f"{NO_TELEMETRY_CONFIDENCE_CAP})"
        )
    return gaps
