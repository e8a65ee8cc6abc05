"""Prometheus tools: ``query_metrics`` (summarised PromQL) and ``list_metrics`` (discovery)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from agent.errors import BackendError

from .base import TimeSpan, ToolContext, ToolResult
from .clients import PrometheusReader
from .result import envelope, failed, json_size, not_configured, span_text
from .summarise.numbers import clock_dt, labels_text, num
from .summarise.series import charted, summarise_matrix
from .timerange import DURATION_PATTERN, TimeRangeInput, baseline_of, step_for

_NARROW = (
    'Narrow the query: add label matchers ({namespace="...", pod=~"..."}) or aggregate, '
    "e.g. sum by (pod) (...) or topk(5, ...)."
)
_MAX_NAMES = 50  # names listed by list_metrics
_SAMPLED_NAMES = 15  # names whose label names list_metrics looks up (one request each)


class MetricsQuery(TimeRangeInput):
    """Input of ``query_metrics``."""

    query: str = Field(
        min_length=1,
        description='PromQL expression, e.g. rate(http_requests_total{namespace="shop"}[5m]).',
    )
    mode: Literal["range", "instant"] = Field(
        default="range",
        description="range: series over time with baseline and change point; instant: values at end.",
    )
    step: str | None = Field(
        default=None,
        pattern=DURATION_PATTERN,
        description="Range step such as 30s or 1m. Default: about 120 points over the range.",
    )


def summarise_range(
    tool: str,
    prom: PrometheusReader,
    query: str,
    fetch: TimeSpan,
    split: datetime,
    step: str,
    ctx: ToolContext,
    head: list[str] | None = None,
    describe: Callable[[list[dict[str, Any]]], list[str]] | None = None,
) -> ToolResult:
    """Run a range query over ``fetch`` and summarise it; points before ``split`` are baseline.

    ``head`` lines lead the summary; ``describe`` adds lines computed from the raw result.
    """
    request = f"PromQL {query} {span_text(fetch)} step {step}"
    shown = TimeSpan(start=split, end=fetch.end)
    try:
        fetched = prom.query_range(query, fetch.start, fetch.end, step)
    except BackendError as exc:
        return failed(tool, exc, request, shown, f"metrics for {query} over {span_text(shown)}")
    summaries = summarise_matrix(fetched.body, split.timestamp())
    limit = ctx.limits.max_series
    top = summaries[:limit]
    lines = list(head or [])
    if describe is not None:
        lines += describe(fetched.body)
    lines.append(
        f"{len(summaries)} series; window {span_text(shown)}, baseline "
        f"{span_text(TimeSpan(start=fetch.start, end=split))}"
        + (f"; showing the {limit} deviating most from baseline" if len(summaries) > limit else "")
    )
    changed = [s for s in summaries if s.change is not None]
    if changed:
        first = min(changed, key=lambda s: s.change_ts or 0)
        lines.append(
            f"{len(changed)} series changed level; earliest at "
            f"{clock_dt(datetime.fromtimestamp(first.change_ts or 0, split.tzinfo))} "
            f"({labels_text(first.labels)})"
        )
    return envelope(
        tool=tool,
        request=request,
        span=shown,
        head=lines,
        items=[s.line() for s in top],
        max_chars=ctx.limits.max_chars,
        data={
            "series_total": len(summaries),
            "series": charted(top),
            "window": {"start": clock_dt(split), "end": clock_dt(fetch.end)},
        },
        raw_bytes=fetched.raw_bytes,
        narrow_hint=_NARROW,
        empty=not summaries,
        truncated=len(summaries) > limit,
        hints=[] if summaries else ["No series: check metric and label names with list_metrics."],
    )


def _instant(
    args: MetricsQuery, prom: PrometheusReader, ctx: ToolContext, span: TimeSpan
) -> ToolResult:
    at = span.end
    request = f"PromQL instant {args.query} @ {clock_dt(at)}"
    try:
        fetched = prom.query(args.query, at)
    except BackendError as exc:
        return failed(
            "query_metrics", exc, request, span, f"value of {args.query} at {clock_dt(at)}"
        )
    rows: list[tuple[dict[str, str], float]] = []
    for item in fetched.body if isinstance(fetched.body, list) else []:
        try:
            rows.append((dict(item.get("metric") or {}), float(item["value"][1])))
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    rows.sort(key=lambda r: (-abs(r[1]), labels_text(r[0])))
    limit = ctx.limits.max_series
    return envelope(
        tool="query_metrics",
        request=request,
        span=span,
        head=[f"{len(rows)} series at {clock_dt(at)}, largest absolute values first"],
        items=[f"{labels_text(labels)} = {num(value)}" for labels, value in rows[:limit]],
        max_chars=ctx.limits.max_chars,
        data={
            "series_total": len(rows),
            "series": [{"labels": lbl, "value": v} for lbl, v in rows[:limit]],
        },
        raw_bytes=fetched.raw_bytes,
        narrow_hint=_NARROW,
        empty=not rows,
        truncated=len(rows) > limit,
    )


def query_metrics(args: MetricsQuery, ctx: ToolContext) -> ToolResult:
    """Run a PromQL query against Prometheus and get a compact per-series summary.

    Use it to check a metric's behaviour around the incident. In range mode (default, last hour)
    each series shows min/max/mean/last, its mean in the window versus a baseline (the
    equal-length period just before the window, fetched automatically), and a detected level
    change (time, before → after). Series are ranked by deviation from baseline; at most
    max_series are shown. Prefer aggregated queries (sum by (pod) (rate(x[5m]))) over raw
    counters. Use list_metrics first if you are unsure of a metric's name.
    """
    span = args.span(ctx)
    prom = ctx.backends.prometheus
    if prom is None:
        return not_configured("query_metrics", "Prometheus", f"PromQL {args.query}", span)
    if args.mode == "instant":
        return _instant(args, prom, ctx, span)
    fetch = TimeSpan(start=baseline_of(span).start, end=span.end)
    step = args.step or step_for(fetch, points=240)
    return summarise_range("query_metrics", prom, args.query, fetch, span.start, step, ctx)


class ListMetricsInput(TimeRangeInput):
    """Input of ``list_metrics``."""

    match: str = Field(
        min_length=1,
        description="Substring of the metric names to find, optionally followed by label "
        'matchers that the series must carry, e.g. http_requests{namespace="shop"} or '
        '{namespace="shop"} (every metric in that namespace). Metrics outside the '
        "investigation's namespaces (except node_, probe_, kube_node_, machine_) need the "
        "namespace matcher.",
    )
    label: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$",
        description="If set, list the values of this label on the matching metrics instead.",
    )


# ``name`` or ``name{matchers}`` or ``{matchers}``: a substring plus optional label matchers.
_MATCH = re.compile(r"^(?P<name>[^{}]*?)\s*(?:\{(?P<matchers>.*)\})?\s*$", re.DOTALL)


def _split_match(match: str) -> tuple[str, str]:
    """``(name substring, label matchers)`` of ``match`` (matchers without braces, maybe empty)."""
    found = _MATCH.match(match)
    if found is None:  # unbalanced braces: treat it all as a substring, as before
        return match, ""
    return found["name"].strip(), (found["matchers"] or "").strip().strip(",")


def _name_regex(match: str) -> str:
    """A PromQL selector for metric names containing the substring of ``match``.

    Label matchers given after the substring (``http{namespace="shop"}``) restrict the series.
    """
    name, matchers = _split_match(match)
    literal = re.escape(name).replace("\\", "\\\\").replace('"', '\\"')
    extra = f", {matchers}" if matchers else ""
    return f'{{__name__=~"(?i).*{literal}.*"{extra}}}'


def list_metrics(args: ListMetricsInput, ctx: ToolContext) -> ToolResult:
    """Discover metric names (and their labels) or the values of one label, in Prometheus.

    Call this before query_metrics when you do not know the exact metric name: it lists metric
    names containing `match` with the label names each carries. With `label` set, it lists the
    values of that label on those metrics (e.g. label=pod to see which pods report them).
    """
    span = args.span(ctx)
    prom = ctx.backends.prometheus
    selector = _name_regex(args.match)
    if args.label:
        request = f"GET /api/v1/label/{args.label}/values?match[]={selector} {span_text(span)}"
    else:
        request = (
            f"GET /api/v1/label/__name__/values (names containing {args.match!r}) {span_text(span)}"
        )
    if prom is None:
        return not_configured("list_metrics", "Prometheus", request, span)
    data: dict[str, Any]
    try:
        if args.label:
            values = prom.label_values(args.label, match=[selector], start=span.start, end=span.end)
            items = values[:_MAX_NAMES]
            head = [
                f"{len(values)} values of label {args.label} on metrics containing {args.match!r}"
            ]
            data = {"label": args.label, "values": items, "total": len(values)}
        else:
            needle, matchers = _split_match(args.match)
            if matchers:
                found = prom.label_values("__name__", [selector], span.start, span.end)
                names = sorted(found)
            else:
                names = prom.metric_names(needle, start=span.start, end=span.end)
            items = []
            label_names: dict[str, list[str]] = {}
            for i, name in enumerate(names[:_MAX_NAMES]):
                if i < _SAMPLED_NAMES:
                    series = f"{name}{{{matchers}}}" if matchers else name
                    labels = [
                        n
                        for n in prom.label_names([series], span.start, span.end)
                        if n != "__name__"
                    ]
                    label_names[name] = labels
                    items.append(f"{name} {{{', '.join(labels)}}}")
                else:
                    items.append(name)
            head = [f"{len(names)} metric names contain {args.match!r} (with their label names)"]
            data = {"names": names[:_MAX_NAMES], "total": len(names), "labels": label_names}
    except BackendError as exc:
        return failed("list_metrics", exc, request, span, f"metric names matching {args.match!r}")
    total = int(data["total"])
    return envelope(
        tool="list_metrics",
        request=request,
        span=span,
        head=head,
        items=items,
        max_chars=ctx.limits.max_chars,
        data=data,
        raw_bytes=json_size(data),
        narrow_hint="Use a longer, more specific substring.",
        empty=total == 0,
        truncated=total > len(items),
        hints=[]
        if total
        else ["Nothing matched: try a shorter substring (e.g. 'http', 'memory')."],
    )
