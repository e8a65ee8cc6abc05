"""Listing traces on both sides of the onset, and where their shape changed.

Tempo's search returns at most ``limit`` traces, the most recent first. One search over the
whole window would list only the last seconds of a busy system: every listed trace after the
onset, nothing to compare with. So the baseline (before the onset) and the anomalous part are
listed apart, each paged backwards in time (the next page ends where the last one's earliest
trace began) until the part is covered or its page budget is spent.

The split between baseline and anomalous traces is then found in the listing itself, whose
resolution (one trace) is far finer than per-minute metrics: the change point of trace
durations or of spans per trace (a code path that stops or starts changes how many spans a
request makes, even when it does not change how long it takes), whichever is the clearer step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tools.clients import TempoReader
from tools.summarise.changepoint import ChangePoint, detect_rank_change

Listed = list[dict[str, object]]

# Traces one search lists, and how many pages each side of the onset may take.
PAGE = 500
PAGES = 3
# Fewest traces on each side of a change point (guards against one outlier).
MIN_SEGMENT = 10


def start_ns(trace: dict[str, object]) -> int:
    """A listed trace's start, in Unix nanoseconds (0 when the listing has none)."""
    try:
        return int(str(trace.get("startTimeUnixNano") or 0))
    except ValueError:
        return 0


def _page(tempo: TempoReader, query: str, start: datetime, end: datetime) -> Listed:
    body = tempo.search(query, start, end, PAGE).body
    traces = (body or {}).get("traces") or []
    return [t for t in traces if isinstance(t, dict) and t.get("traceID")]


def _side(tempo: TempoReader, query: str, start: datetime, end: datetime) -> Listed:
    """Traces starting in ``[start, end]``, paged backwards from ``end``."""
    out: dict[str, dict[str, object]] = {}
    lo = start.timestamp()
    for _ in range(PAGES):
        page = [t for t in _page(tempo, query, start, end) if start_ns(t) >= lo * 1e9]
        fresh = [t for t in page if str(t["traceID"]) not in out]
        out.update((str(t["traceID"]), t) for t in fresh)
        if len(page) < PAGE or not fresh:
            break
        earliest = min(start_ns(t) for t in fresh) / 1e9
        if earliest <= lo:
            break
        end = datetime.fromtimestamp(earliest, UTC)
    return list(out.values())


def list_traces(
    tempo: TempoReader, query: str, start: datetime, end: datetime, onset: datetime
) -> Listed:
    """Traces of ``[start, end]`` listed on both sides of ``onset``, in time order."""
    sides = [(start, onset), (onset, end)] if start < onset < end else [(start, end)]
    seen: dict[str, dict[str, object]] = {}
    for lo, hi in sides:
        for trace in _side(tempo, query, lo, hi):
            seen.setdefault(str(trace["traceID"]), trace)
    return sorted(seen.values(), key=start_ns)


def span_count(trace: dict[str, object]) -> float:
    """Spans the search matched in a trace (Tempo's ``spanSet.matched``), else 0."""
    spanset = trace.get("spanSet")
    if not isinstance(spanset, dict):
        sets = trace.get("spanSets")
        spanset = sets[0] if isinstance(sets, list) and sets and isinstance(sets[0], dict) else {}
    try:
        return float(spanset.get("matched") or 0)
    except (TypeError, ValueError):
        return 0.0


def duration_ms(trace: dict[str, object]) -> float:
    """A listed trace's duration in milliseconds (0 when the listing has none)."""
    try:
        return float(str(trace.get("durationMs") or 0))
    except ValueError:
        return 0.0


def split_time(ordered: Sequence[dict[str, object]], fallback: float) -> tuple[float, str]:
    """Where the traces' durations or spans per trace stepped (epoch seconds), else ``fallback``.

    ``ordered`` is in time order. One value per trace is heavy-tailed and often bimodal, so
    the change point is Pettitt's rank test (``detect_rank_change``); of the two features'
    change points, the one with the larger effect wins.
    """
    found: list[tuple[ChangePoint, str]] = []
    for feature, what in ((duration_ms, "durations"), (span_count, "spans per trace")):
        values = [feature(t) for t in ordered]
        if not any(values):
            continue
        change = detect_rank_change(values, min_segment=MIN_SEGMENT)
        if change is not None:
            found.append((change, what))
    if not found:
        return fallback, "the onset"
    change, what = max(found, key=lambda cw: cw[0].score)
    return start_ns(ordered[change.index]) / 1e9, f"the change point of trace {what}"


def spread(ordered: Sequence[dict[str, object]], count: int) -> Listed:
    """``count`` traces evenly spread over ``ordered`` (already in time order)."""
    if len(ordered) <= count:
        return list(ordered)
    step = len(ordered) / count
    return [ordered[int(i * step)] for i in range(count)]


def sample_sides(ordered: Sequence[dict[str, object]], cut: float, count: int) -> Listed:
    """``count`` traces, half before ``cut`` and half after, each evenly spread over its side.

    A side with fewer traces than its half leaves the rest to the other side.
    """
    before = [t for t in ordered if start_ns(t) / 1e9 < cut]
    after = [t for t in ordered if start_ns(t) / 1e9 >= cut]
    half = count // 2
    take_before = min(len(before), max(half, count - len(after)))
    take_after = min(len(after), count - take_before)
    return spread(before, take_before) + spread(after, take_after)
