"""Evaluate metric queries: range aggregations over log lines, then vector aggregations.

Lines are read once per query: each series keeps its matching timestamps (and running byte
totals), and every step's window ``(t - range, t]`` is then two bisects — never a rescan.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate

from agent.replay.loki import nodes
from agent.replay.loki.errors import QueryError
from agent.replay.loki.logs import ScanStats
from agent.replay.loki.pipeline import ERROR_LABEL, Pipeline
from agent.replay.loki.store import LabelKey, LogStore, label_key, utf8_len

Series = dict[LabelKey, dict[int, float]]  # series labels → step time (ns) → value
MAX_QUERY_SERIES = 500

_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "sum": sum,
    "avg": lambda values: sum(values) / len(values),
    "min": min,
    "max": max,
    "count": len,
}


def evaluate_metric(
    store: LogStore, expr: nodes.MetricExpr, steps: Sequence[int], stats: ScanStats
) -> Series:
    """Evaluate ``expr`` at each step time (ns, ascending).

    Raises:
        QueryError: a line kept an ``__error__`` label, or the result has too many series.
    """
    result = _evaluate(store, expr, steps, stats)
    if len(result) > MAX_QUERY_SERIES:
        raise QueryError(
            f"maximum of series ({MAX_QUERY_SERIES}) reached for a single query; consider "
            "reducing query cardinality by adding more specific stream selectors, reducing "
            "the time range, or aggregating results with a vector aggregation"
        )
    return result


def _evaluate(
    store: LogStore, expr: nodes.MetricExpr, steps: Sequence[int], stats: ScanStats
) -> Series:
    if isinstance(expr, nodes.RangeAggregation):
        return _range_aggregation(store, expr, steps, stats)
    return _vector_aggregation(expr, _evaluate(store, expr.inner, steps, stats), steps)


def _range_aggregation(
    store: LogStore, agg: nodes.RangeAggregation, steps: Sequence[int], stats: ScanStats
) -> Series:
    pipeline = Pipeline(agg.selector.stages)
    # Per series: matching timestamps, and cumulative line bytes (for the bytes_* functions).
    times: dict[LabelKey, list[int]] = {}
    sizes: dict[LabelKey, list[int]] = {}
    for number, stream in enumerate(store.select(agg.selector.matchers)):
        indices = stream.span(steps[0] - agg.range_ns + 1, steps[-1], end_inclusive=True)
        if indices:
            stats.streams.add(number)
        stream_key = label_key(stream.labels)
        for i in indices:
            line = stream.lines[i]
            stats.lines += 1
            stats.bytes += utf8_len(line)
            out = pipeline.process(line, stream.labels)
            if out is None:
                continue
            new_line, labels = out
            if labels is stream.labels:
                key = stream_key
            else:
                if ERROR_LABEL in labels:
                    raise _pipeline_error(labels)
                key = label_key(labels)
            times.setdefault(key, []).append(stream.ts[i])
            sizes.setdefault(key, []).append(utf8_len(new_line))
    range_s = agg.range_ns / 1e9
    result: Series = {}
    for key, ts in times.items():
        cumulative = [0, *accumulate(sizes[key])]
        points: dict[int, float] = {}
        for t in steps:
            lo, hi = bisect_right(ts, t - agg.range_ns), bisect_right(ts, t)
            if hi == lo:
                continue  # Loki emits no sample for an empty window
            if agg.op in ("count_over_time", "rate"):
                value = float(hi - lo)
            else:
                value = float(cumulative[hi] - cumulative[lo])
            points[t] = value / range_s if agg.op in ("rate", "bytes_rate") else value
        if points:
            result[key] = points
    return result


def _pipeline_error(labels: dict[str, str]) -> QueryError:
    error = labels[ERROR_LABEL]
    series = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if v)
    return QueryError(
        f"pipeline error: '{error}' for series: '{{{series}}}'.\n"
        f'Use a label filter to intentionally skip this error. (e.g | __error__!="{error}").\n'
        'To skip all potential errors you can match empty errors.(e.g __error__="")'
    )


def _vector_aggregation(
    agg: nodes.VectorAggregation, inner: Series, steps: Sequence[int]
) -> Series:
    group_of = _grouper(agg.grouping)
    result: Series = {}
    for t in steps:
        groups: dict[LabelKey, list[tuple[LabelKey, float]]] = {}
        for key, points in inner.items():
            if t in points:
                groups.setdefault(group_of(key), []).append((key, points[t]))
        for group, samples in groups.items():
            for key, value in _aggregate(agg, group, samples):
                result.setdefault(key, {})[t] = value
    return result


def _aggregate(
    agg: nodes.VectorAggregation, group: LabelKey, samples: list[tuple[LabelKey, float]]
) -> list[tuple[LabelKey, float]]:
    if agg.op in ("topk", "bottomk"):
        assert agg.param is not None  # the parser requires it
        sign = -1 if agg.op == "topk" else 1
        # Sort by value, then labels, so ties resolve the same way on every run.
        ranked = sorted(samples, key=lambda sample: (sign * sample[1], sample[0]))
        return ranked[: agg.param]
    return [(group, _REDUCERS[agg.op]([value for _, value in samples]))]


def _grouper(grouping: nodes.Grouping | None) -> Callable[[LabelKey], LabelKey]:
    if grouping is None:
        return lambda _key: ()
    names = frozenset(grouping.labels)
    if grouping.without:
        return lambda key: tuple(item for item in key if item[0] not in names)
    return lambda key: tuple(item for item in key if item[0] in names)
