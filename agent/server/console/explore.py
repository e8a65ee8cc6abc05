"""Grafana Explore links for evidence: the tool's own query, on the configured data source.

Only when ``server.console.grafana_url`` and a data source uid for the tool's backend are
configured. The query is the one the tool ran (from the call record's arguments), the range is
the span the tool looked at (its baseline and window) or, failing that, two hours around the
alert's start. Everything variable is URL-encoded into the ``panes`` parameter (Grafana 10+).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from agent.config.server import ConsoleSettings
from agent.investigation.state import CallRecord

from .charts import parse_instant

# Which backend answers each tool whose query Explore can re-run as written.
TOOL_SOURCES = {"query_metrics": "prometheus", "query_logs": "loki"}
_AROUND_ALERT = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Explore:
    """Builds Explore links; ``enabled`` is false unless Grafana is configured."""

    base_url: str | None = None
    datasources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: ConsoleSettings) -> Explore:
        """From the console settings."""
        return cls(
            settings.grafana_url, {str(k): v for k, v in settings.grafana_datasources.items()}
        )

    @property
    def enabled(self) -> bool:
        """Whether any link can be built."""
        return bool(self.base_url and self.datasources)

    def link(self, record: CallRecord, alert_start: datetime) -> str | None:
        """The Explore URL re-running ``record``'s query, or ``None`` when there is none."""
        source = TOOL_SOURCES.get(record.name)
        uid = self.datasources.get(source) if source else None
        query = record.arguments.get("query")
        if not self.base_url or uid is None or not isinstance(query, str):
            return None
        start, end = _span(record, alert_start)
        pane = {
            "datasource": uid,
            "queries": [{"refId": "A", "datasource": {"type": source, "uid": uid}, "expr": query}],
            "range": {"from": str(int(start * 1000)), "to": str(int(end * 1000))},
        }
        panes = quote(json.dumps({"agent": pane}, separators=(",", ":")), safe="")
        return f"{self.base_url}/explore?schemaVersion=1&orgId=1&panes={panes}"


def _span(record: CallRecord, alert_start: datetime) -> tuple[float, float]:
    window = record.data.get("window")
    if isinstance(window, dict):
        start, end = parse_instant(window.get("start")), parse_instant(window.get("end"))
        if start is not None and end is not None and end > start:
            return start - (end - start), end  # the tool's baseline, then its window
    return (alert_start - _AROUND_ALERT).timestamp(), (alert_start + _AROUND_ALERT).timestamp()
