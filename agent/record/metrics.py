"""Record the scope's metrics as gzip-compressed OpenMetrics (``metrics.om.gz``).

Series are discovered with ``/api/v1/series`` (the scope's namespaces, plus cluster-scoped
``node_*`` series) and fetched one metric name at a time with range queries at a fixed step.
The range API does not say a metric's type, so every name is written as its own ``gauge``
family: always valid OpenMetrics, and the samples (what PromQL evaluates) are kept exactly.
Label values go through the redactor (a probe's ``url`` or an ``instance`` can carry a token);
metric names and samples do not.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.safety.redact import Redactor
from tools.clients import PrometheusReader

STEP_SECONDS = 30
NODE_SELECTOR = '{__name__=~"node_.*"}'


def scope_selectors(namespaces: Iterable[str]) -> list[str]:
    """Series selectors of the scope: its namespaces, and node-level series."""
    selectors = [NODE_SELECTOR]
    names = sorted(namespaces)
    if names:
        # Namespace names are DNS labels: no regex metacharacters to escape.
        selectors.append(f'{{namespace=~"{"|".join(names)}"}}')
    return selectors


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(metric: dict[str, str]) -> str:
    pairs = [f'{k}="{_escape(v)}"' for k, v in sorted(metric.items()) if k != "__name__"]
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _value(text: str) -> str:
    number = float(text)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return text


def family_lines(name: str, series: list[dict[str, Any]]) -> Iterator[str]:
    """The OpenMetrics lines of one metric name: its TYPE line, then each series in time order."""
    yield f"# TYPE {name} gauge"
    for item in sorted(series, key=lambda s: _labels(s.get("metric", {}))):
        labels = _labels(item.get("metric", {}))
        for ts, value in item.get("values", []):
            yield f"{name}{labels} {_value(str(value))} {int(float(ts))}"


def metric_names(
    prometheus: PrometheusReader, selectors: list[str], start: datetime, end: datetime
) -> list[str]:
    """The metric names of every series matching ``selectors`` in ``[start, end]``."""
    series = prometheus.series(selectors, start, end)
    return sorted({s["__name__"] for s in series if s.get("__name__")})


def record_metrics(
    prometheus: PrometheusReader,
    namespaces: Iterable[str],
    start: datetime,
    end: datetime,
    redactor: Redactor,
    out: Path,
) -> int:
    """Write ``out`` (gzip OpenMetrics) and return how many samples it holds."""
    selectors = scope_selectors(namespaces)
    samples = 0
    with gzip.open(out, "wt", encoding="utf-8") as handle:
        for name in metric_names(prometheus, selectors, start, end):
            # One query per name and selector; a name can match both (node_* in a namespace).
            found: dict[str, dict[str, Any]] = {}
            for selector in selectors:
                query = name + selector if selector != NODE_SELECTOR else name
                if selector == NODE_SELECTOR and not name.startswith("node_"):
                    continue
                result = prometheus.query_range(query, start, end, f"{STEP_SECONDS}s").body
                for item in result:
                    metric = {
                        k: v if k == "__name__" else redactor.redact(str(v))
                        for k, v in (item.get("metric") or {}).items()
                    }
                    found[_labels(metric)] = {**item, "metric": metric}
            for line in family_lines(name, list(found.values())):
                samples += not line.startswith("#")
                handle.write(line + "\n")
        handle.write("# EOF\n")
    return samples
