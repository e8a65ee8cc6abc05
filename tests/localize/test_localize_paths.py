"""Code-path shifts and the trace listing: the parts of the trace analysis with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tools.clients.http import Fetched
from tools.localize.listing import PAGE, list_traces, sample_sides, split_time
from tools.localize.paths import (
    break_offs,
    call_paths,
    known_paths,
    path_shift,
    remote_operations,
)
from tools.summarise.spans import Span

FULL = ("cart/Get", "payment/Charge", "email/Send")
BROKEN = ("cart/Get", "payment/Charge")  # an exception half-way: the path breaks off


def test_a_path_that_breaks_off_scores_high() -> None:
    before = [FULL] * 40
    shift = path_shift(before, [BROKEN] * 8 + [FULL] * 2)
    assert shift.z > 3.5 and shift.started
    assert shift.observed == 0.8


def test_a_steady_mix_of_paths_does_not_score() -> None:
    # Requests take several branches; the same mix after the onset is no change.
    mix = [FULL, BROKEN, ("cart/Get",), FULL] * 10
    assert path_shift(mix, mix[:12]).z <= 0.0


def test_rare_paths_seen_once_before_are_expected_after() -> None:
    # A baseline with many one-off paths predicts more of them (Good–Turing): no change.
    varied = [(f"op{i}",) for i in range(20)] + [FULL] * 20
    after = [(f"new{i}",) for i in range(3)] + [FULL] * 5
    assert path_shift(varied, after).z < 3.5


def test_a_branch_no_longer_taken_scores_as_stopped() -> None:
    before = [FULL] * 20 + [BROKEN] * 20
    shift = path_shift(before, [BROKEN] * 20)
    assert shift.z > 3.5 and not shift.started


def test_a_few_spans_cannot_score_high() -> None:
    assert path_shift([FULL] * 3, [BROKEN]).z < 3.5


T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _trace(i: int, at: float, duration: float, spans: int) -> dict[str, Any]:
    return {
        "traceID": f"{i:032x}",
        "startTimeUnixNano": str(int(at * 1e9)),
        "durationMs": duration,
        "spanSet": {"spans": [], "matched": spans},
    }


class _Tempo:
    """Tempo's search contract: at most ``limit`` traces of ``[start, end]``, newest first."""

    def __init__(self, traces: list[dict[str, Any]]) -> None:
        self.traces = traces
        self.calls = 0

    def search(self, q: str, start: datetime, end: datetime, limit: int = 20) -> Fetched:
        self.calls += 1
        lo, hi = int(start.timestamp()), int(end.timestamp()) + 1
        hits = [t for t in self.traces if lo <= int(t["startTimeUnixNano"]) / 1e9 < hi]
        hits.sort(key=lambda t: -int(t["startTimeUnixNano"]))
        return Fetched(body={"traces": hits[:limit]}, raw_bytes=0)


def test_the_listing_pages_back_on_both_sides_of_the_onset() -> None:
    # Ten traces a second for 20 minutes: one search would list only the last 50 seconds.
    base = T0.timestamp()
    traces = [_trace(i, base + i / 10, 100.0, 40) for i in range(12_000)]
    onset = T0 + timedelta(minutes=10)
    tempo = _Tempo(traces)
    listed = list_traces(tempo, "{ }", T0, T0 + timedelta(minutes=20), onset)  # type: ignore[arg-type]
    times = [int(t["startTimeUnixNano"]) / 1e9 for t in listed]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert sum(t < onset.timestamp() for t in times) >= PAGE  # a baseline to compare with
    assert sum(t >= onset.timestamp() for t in times) >= PAGE
    assert tempo.calls <= 6


def test_the_split_is_where_spans_per_trace_stepped() -> None:
    # Durations unchanged, but half the requests now stop after one span (a code path broke).
    base = T0.timestamp()
    steady = [_trace(i, base + i, 100.0 + (i % 7) * 30, 40 + i % 5) for i in range(300)]
    broken = [
        _trace(300 + i, base + 300 + i, 100.0 + (i % 7) * 30, 1 if i % 2 else 40)
        for i in range(300)
    ]
    cut, basis = split_time(steady + broken, fallback=base + 500)
    assert basis == "the change point of trace spans per trace"
    assert abs(cut - (base + 300)) <= 5
    # Without a step, the onset is kept.
    assert split_time(steady, fallback=base + 42) == (base + 42, "the onset")


def test_half_the_sample_comes_from_each_side() -> None:
    base = T0.timestamp()
    ordered = [_trace(i, base + i, 1.0, 1) for i in range(1000)]
    chosen = sample_sides(ordered, base + 900, 80)
    before = [t for t in chosen if int(t["startTimeUnixNano"]) / 1e9 < base + 900]
    assert len(chosen) == 80 and len(before) == 40
    # A side with too few leaves the rest to the other.
    assert len(sample_sides(ordered, base + 990, 80)) == 80


def _sp(sid: str, parent: str, service: str, name: str, start: int, kind: str = "SERVER") -> Span:
    return Span("t", sid, parent, service, name, kind, start * 10**6, (start + 5) * 10**6)


def _page_view(broken: bool) -> list[Span]:
    """front's request: calls catalog, then (unless it broke off) ads."""
    spans = [
        _sp("r", "", "front", "Recv", 0),
        _sp("c1", "r", "front", "catalog/Get", 1, "CLIENT"),
        _sp("s1", "c1", "catalog", "Get", 2),
    ]
    if not broken:
        spans += [_sp("c2", "r", "front", "ads/Get", 3, "CLIENT"), _sp("s2", "c2", "ads", "Get", 4)]
    return spans


def test_a_path_that_broke_off_points_at_the_last_answer() -> None:
    known = known_paths(call_paths(_page_view(False)))
    assert break_offs(_page_view(False), known) == set()
    # The request stopped right after catalog answered: catalog's answer (or the code that
    # read it) is where the new path began.
    assert break_offs(_page_view(True), known) == {"catalog"}
    # A span that made no call at all where it used to: its own code.
    assert break_offs([_sp("r", "", "front", "Recv", 0)], known) == {"front"}


def test_operations_run_for_another_services_call_are_remote() -> None:
    spans = [*_page_view(False), _sp("i", "s2", "ads", "pick", 4, "INTERNAL")]
    remote = remote_operations([spans])
    # ads' own internal work runs for front's call too; front's entry point does not.
    assert {"catalog\0Get", "ads\0Get", "ads\0pick"} <= remote
    assert "front\0Recv" not in remote and "front\0catalog/Get" not in remote
    # A callee's mix of paths moving between known branches is its callers' doing.
    before = [FULL] * 20 + [BROKEN] * 20
    assert path_shift(before, [BROKEN] * 20, mix=False).z <= 0.0
