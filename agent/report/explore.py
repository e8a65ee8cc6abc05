"""Grafana Explore links for a query, when ``grafana_url`` and the datasource uid are set.

Grafana 10+ takes the whole pane state as JSON in ``panes``: the datasource, the query
(``expr`` for Prometheus and Loki, ``query`` with ``queryType: traceql`` for Tempo) and the
time range in epoch milliseconds.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

from agent.config.settings import TriageSettings

_DATASOURCES = {
    "promql": ("prometheus", "prometheus_datasource_uid", "expr"),
    "logql": ("loki", "loki_datasource_uid", "expr"),
    "traceql": ("tempo", "tempo_datasource_uid", "query"),
}


def explore_link(
    settings: TriageSettings, kind: str, query: str, start: datetime, end: datetime
) -> str | None:
    """The Explore URL showing ``query`` over ``[start, end]``, or ``None`` if not configured."""
    if not settings.grafana_url or kind not in _DATASOURCES:
        return None
    plugin, field, key = _DATASOURCES[kind]
    uid = getattr(settings, field)
    if not uid:
        return None
    target: dict[str, object] = {
        "refId": "A",
        "datasource": {"type": plugin, "uid": uid},
        key: query,
    }
    if kind == "traceql":
        target["queryType"] = "traceql"
    pane = {
        "datasource": uid,
        "queries": [target],
        "range": {
            "from": str(int(start.timestamp() * 1000)),
            "to": str(int(end.timestamp() * 1000)),
        },
    }
    panes = json.dumps({"a": pane}, separators=(",", ":"))
    return f"{settings.grafana_url.rstrip('/')}/explore?" + urlencode(
        {"schemaVersion": 1, "orgId": 1, "panes": panes}
    )
