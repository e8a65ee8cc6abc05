"""``rank_components``: where did this incident start, and which signals say so."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AwareDatetime, Field

from tools.base import TimeSpan, ToolContext, ToolInput, ToolResult
from tools.result import envelope, not_configured, span_text
from tools.summarise.numbers import clock_dt
from tools.timerange import DURATION_PATTERN, parse_duration

from . import logs, traces
from .combine import Ranked, rank
from .frame import anchored
from .scan import scan
from .workloads import discover

_DEFAULT_LOOKBACK = timedelta(minutes=30)
# Characters of the budget left to the dispatcher's framing of the result (status, request,
# range, the untrusted-data wrapper, hints), so the summary and its data survive intact.
_FRAMING = 1_200
# Source gaps carried to the report (each names its source and what it missed).
_GAPS_REPORTED = 6


class RankInput(ToolInput):
    """Input of ``rank_components``."""

    lookback: str | None = Field(
        default=None,
        pattern=DURATION_PATTERN,
        description="Baseline reach before the alert's start (default 30m).",
    )
    onset: AwareDatetime | None = Field(
        default=None,
        description="Override the detected onset (RFC3339) if you know better when it began.",
    )
    limit: int = Field(default=5, ge=1, le=20, description="Components to list.")


def _entry_lines(entry: Ranked, position: int) -> list[str]:
    started = f", from {clock_dt(entry.started)}" if entry.started else ""
    if entry.explained_by:
        started += f"; its callee {entry.explained_by} is anomalous too and ranks above it"
    head = (
        f"{position}. {entry.component}: score {entry.score:.1f} "
        f"({', '.join(entry.sources)}{started})"
    )
    return [head, *(f"   - {s.line()}" for s in entry.signals)]


def rank_components(args: RankInput, ctx: ToolContext) -> ToolResult:
    """Rank the workloads where this incident most likely started, with the signals that say so.

    Call this FIRST, right after alert_context: it answers "where did it start, and since
    when" over everything in the investigation's scope at once, so you do not have to guess
    metric names. It finds the onset (change points of the alert's expression and of every
    scanned signal), takes the baseline before it, and scores every metric family per
    workload (rates, quantiles, gauges, CPU and memory use relative to limits) with robust
    statistics normalised across the peer workloads exporting the same metric; edge metrics
    (caller side vs callee side), trace self time and caller/callee gaps; log error rates
    and NEW/SPIKE/VANISHED templates.
    Each entry lists its top signals with before → after values, when each started, and the
    exact query to re-run it with query_metrics, trace_lookup or query_logs. Scores are in
    robust standard deviations against peers: above ~3.5 is unusual, a wide margin over the
    next entry is a clear lead. Missing sources are listed as data gaps. Then verify the top
    entries (pods, logs, rollouts) before concluding.
    """
    alert = ctx.alert
    lookback = parse_duration(args.lookback) if args.lookback else _DEFAULT_LOOKBACK
    start, end = anchored(alert.starts_at, ctx.now, lookback, ctx.scope.max_range)
    span = TimeSpan(start=start, end=end)
    namespaces = sorted(ctx.scope.namespaces)
    selector = 'namespace=~"' + "|".join(namespaces) + '"'
    request = f"rank_components over {{{selector}}} {span_text(span)} anchored on {clock_dt(alert.starts_at)}"
    backends = ctx.backends
    if backends.prometheus is None and backends.tempo is None and backends.loki is None:
        return not_configured("rank_components", "Prometheus, Tempo and Loki", request, span)
    workloads = discover(ctx.backends.kubernetes, namespaces)
    gaps = list(workloads.gaps)
    signals = []
    calls: set[tuple[str, str]] = set()
    onset = fine = alert.starts_at
    basis = "the alert's start (no metrics)"
    metric_summary = "metrics: Prometheus not configured"
    if ctx.backends.prometheus is not None:
        found = scan(
            ctx.backends.prometheus,
            selector,
            start,
            end,
            alert.starts_at,
            alert.expression,
            workloads,
            args.onset,
        )
        gaps += found.gaps
        signals += found.signals
        calls |= found.calls
        if found.onset is not None:
            onset, basis = found.onset, found.onset_basis
            fine = found.fine_onset or onset
        metric_summary = f"metrics: {found.families} families, {found.series} series"
    else:
        gaps.append("metrics: Prometheus not configured")
    trace_part = traces.localise(ctx.backends.tempo, namespaces, start, end, fine, workloads)
    log_part = logs.localise(
        ctx.backends.loki, namespaces, start, end, fine, workloads, ctx.parsed_lines
    )
    signals += trace_part.signals + log_part.signals
    gaps += trace_part.gaps + log_part.gaps
    ranking = rank(signals, calls | trace_part.calls)
    head = [
        f"Onset {clock_dt(onset)} ({basis}); alert started {clock_dt(alert.starts_at)}; "
        f"baseline {span_text(TimeSpan(start=start, end=onset))}, anomalous part "
        f"{span_text(TimeSpan(start=onset, end=end))}",
        f"Scanned {metric_summary}; {trace_part.summary}; {log_part.summary}",
        *(f"data gap: {g}" for g in gaps[:6]),
        "Ranking (score = strongest signal, robust z against peers):",
    ]
    items = [
        "\n".join(_entry_lines(entry, i)) for i, entry in enumerate(ranking[: args.limit], start=1)
    ]
    data = {
        "onset": clock_dt(onset),
        "onset_basis": basis,
        "window": {"start": clock_dt(start), "end": clock_dt(end)},
        "ranking": [
            {
                "component": e.component,
                "score": round(e.score, 3),
                "rank_score": round(e.effective, 3),
                "started": clock_dt(e.started) if e.started else None,
                "sources": e.sources,
                "explained_by": e.explained_by,
                "aspects": e.aspects or {},
                "signals": [s.facts() for s in e.signals],
            }
            for e in ranking[: args.limit]
        ],
        "data_gaps": gaps,
        # One chartable series per listed entry: its strongest signal that has points.
        "series": [
            chart
            for e in ranking[: args.limit]
            if (chart := next((c for s in e.signals if (c := s.chart(onset))), None))
        ],
    }
    result = envelope(
        tool="rank_components",
        request=request,
        span=span,
        head=head,
        items=items,
        max_chars=max(ctx.limits.max_chars - _FRAMING, ctx.limits.max_chars // 2),
        data=data,
        raw_bytes=0,
        narrow_hint="Lower limit to see fewer entries.",
        empty=not ranking,
        hints=[] if ranking else ["No signal in scope: check the data gaps above."],
    )
    # What the ranking could not see is the investigation's data gap too (a dead Tempo is
    # not silence because the metrics still ranked something).
    if gaps:
        result.gap = "rank_components: " + "; ".join(gaps[:_GAPS_REPORTED])
    return result
