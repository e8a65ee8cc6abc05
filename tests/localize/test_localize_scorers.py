"""The localisation scorers on synthetic series whose answer is known."""

from __future__ import annotations

import math
import re
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.localize.families import Family
from tools.localize.frame import AFTER_ALERT, Frame, anchored
from tools.localize.limits import LIMIT_LEVEL, limit_queries
from tools.localize.logs import poisson_z
from tools.localize.onset import alert_signal, onset, run_start
from tools.localize.paths import call_paths
from tools.localize.ratios import ERROR_LEVEL, ERROR_VALUES, error_share_queries
from tools.localize.robust import (
    ABSOLUTE_FLOOR,
    MAD_TO_SIGMA,
    floored_scale,
    mad,
    mad_about,
    median_sorted,
    peer_scores,
    robust_z,
    scale,
    shift,
)
from tools.localize.scan import find_onset
from tools.localize.series import Series
from tools.localize.shares import proportion_z
from tools.localize.signals import own_aspect
from tools.localize.spans import client_gaps, self_times
from tools.summarise.spans import Span

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
NOISY = [10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 10.2, 9.8, 10.1, 9.9]


def test_a_step_scores_high_and_keeps_its_sign() -> None:
    assert robust_z(NOISY, [30.0, 31.0, 29.0]) > 3.5
    assert robust_z(NOISY, [1.0, 1.5, 0.5]) < -3.5


def test_an_unchanged_series_scores_near_zero() -> None:
    assert abs(robust_z(NOISY, [10.0, 10.3, 9.7])) < 1.0


def test_one_spike_in_the_anomalous_part_does_not_score() -> None:
    # A counter reset or a scrape hiccup: one wild point among unchanged ones.
    assert abs(robust_z(NOISY, [10.0, 500.0, 10.1])) < 1.0


def test_a_flat_baseline_gives_a_bounded_score() -> None:
    flat = [5.0] * 20
    assert robust_z(flat, [5.0001]) < 0.01  # float wiggle: nothing
    assert robust_z(flat, [10.0]) == pytest.approx(5.0)  # doubling: half the level
    # A rise from exactly zero reaches the bound of 10, never millions.
    assert robust_z([0.0] * 20, [3.0, 3.0]) == pytest.approx(10.0)
    assert scale([0.0] * 5) == ABSOLUTE_FLOOR


def test_nan_points_are_ignored_and_an_empty_part_scores_zero() -> None:
    with_nan = [*NOISY, math.nan, math.nan]
    assert robust_z(with_nan, [30.0, math.nan]) == pytest.approx(robust_z(NOISY, [30.0]))
    assert robust_z([math.nan] * 5, [1.0]) == 0.0
    assert robust_z(NOISY, []) == 0.0


def test_the_shared_median_and_mad_helpers_agree_with_the_statistics_module() -> None:
    assert median_sorted([1.0]) == 1.0
    assert median_sorted([1.0, 2.0, 10.0]) == 2.0
    assert median_sorted([1.0, 2.0, 4.0, 10.0]) == 3.0
    for sample in (NOISY, [3.0, 1.0], [7.0], [2.0, 2.0, 2.0, 9.0, -4.0]):
        centre = statistics.median(sample)
        assert median_sorted(sorted(sample)) == centre
        assert mad_about(sample, centre) == mad(sample)
    assert mad_about([7.0], 7.0) == 0.0
    # The floors: MAD as sigma, a tenth of the larger level, an absolute minimum.
    assert floored_scale(10.0, 2.0) == pytest.approx(2.0 * MAD_TO_SIGMA)
    assert floored_scale(10.0, 0.0, level=-50.0) == pytest.approx(5.0)
    assert floored_scale(0.0, 0.0) == ABSOLUTE_FLOOR


def test_shift_is_the_robust_z_with_both_medians() -> None:
    after = [30.0, math.inf, 31.0, math.nan, 29.0]
    z, before, later = shift([*NOISY, math.nan], after, 4.0)
    assert z == robust_z(NOISY, after, 4.0)
    assert (before, later) == (statistics.median(NOISY), 30.0)
    # A part without finite values has no median and the change scores zero.
    z, before, later = shift(NOISY, [math.nan, math.inf])
    assert z == 0.0 and before == statistics.median(NOISY) and math.isnan(later)
    z, before, later = shift([], [1.0, 3.0])
    assert z == 0.0 and math.isnan(before) and later == 2.0


def _textbook_z(baseline: list[float], anomalous: list[float], level: float) -> float:
    base = [v for v in baseline if math.isfinite(v)]
    after = [v for v in anomalous if math.isfinite(v)]
    if not base or not after:
        return 0.0
    centre, middle = statistics.median(base), statistics.median(after)
    deviation = statistics.median(abs(v - centre) for v in base) if len(base) > 1 else 0.0
    top = max(abs(centre), abs(middle), abs(level))
    return (middle - centre) / max(MAD_TO_SIGMA * deviation, 0.1 * top, ABSOLUTE_FLOOR)


_POINTS = st.lists(
    st.one_of(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        st.sampled_from([math.nan, math.inf, -math.inf]),
    ),
    max_size=30,
)


@given(_POINTS, _POINTS, st.floats(min_value=0, max_value=1e3))
def test_robust_z_is_exactly_the_textbook_formula(
    baseline: list[float], anomalous: list[float], level: float
) -> None:
    assert robust_z(baseline, anomalous, level) == _textbook_z(baseline, anomalous, level)


def test_peers_tame_a_metric_where_everyone_moved() -> None:
    everyone = {f"svc{i}": 8.0 + 0.1 * i for i in range(8)}
    normalised = peer_scores(everyone)
    assert max(normalised.values()) < 1.0
    one = {**{f"svc{i}": 0.5 for i in range(8)}, "culprit": 9.0}
    assert peer_scores(one)["culprit"] > 5.0
    assert peer_scores({"alone": -6.0}) == {"alone": 6.0}


def _times(n: int, step: float = 60.0) -> list[float]:
    return [1000.0 + i * step for i in range(n)]


def test_run_start_walks_back_to_where_the_anomaly_began() -> None:
    values = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 1.0, 5.0, 5.2, 5.1, 5.3]
    times = _times(len(values))
    assert run_start(times, values, anchor=times[9]) == times[7]


def test_run_start_ignores_an_earlier_episode() -> None:
    values = [1.0, 1.0, 6.0, 6.0, 1.0, 1.1, 0.9, 1.0, 1.0, 0.9, 5.0, 5.1]
    times = _times(len(values))
    assert run_start(times, values, anchor=times[11]) == times[10]


def test_run_start_is_none_when_nothing_is_anomalous_at_the_anchor() -> None:
    times = _times(len(NOISY))
    assert run_start(times, NOISY, anchor=times[-1]) is None


def test_onset_is_the_median_candidate_within_the_search() -> None:
    anchor = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    t = anchor.timestamp()
    assert onset(anchor, [t - 120, t - 60, t - 90, t - 86400]) == anchor - timedelta(seconds=90)
    assert onset(anchor, []) == anchor


def test_a_sampled_onset_says_so_and_a_given_one_does_not() -> None:
    # Per-minute samples, flat, then high from the last two: the run starts at a sample, so
    # the change happened within the minute before it (finer sources split there).
    anchor = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    t = anchor.timestamp()
    times = [t - 60 * i for i in range(20, -1, -1)]
    values = [1.0 + 0.01 * (i % 3) for i in range(19)] + [9.0, 9.0]
    frame = Frame(anchor - timedelta(minutes=20), anchor, anchor, 60.0)
    found, basis, sampled = find_onset([Series({}, times, values)], [], anchor, None, frame)
    assert found == anchor - timedelta(minutes=1) and sampled
    assert basis == "start of the alert expression's anomalous run"
    given = anchor - timedelta(minutes=7)
    assert find_onset([], [], anchor, given, frame) == (given, "given by the caller", False)
    # Nothing anomalous: one step before the alert, already a step early.
    assert find_onset([], [], anchor, None, frame)[2] is False


def test_alert_signal_strips_only_a_top_level_comparison() -> None:
    assert alert_signal('max by (s) (lat{q="0.9"}) > 1') == 'max by (s) (lat{q="0.9"})'
    assert alert_signal("rate(errors[5m]) >= bool 0.05") == "rate(errors[5m])"
    assert alert_signal("sum(x > 1)") == "sum(x > 1)"
    assert alert_signal("up == 0") == "up"


def test_the_window_is_anchored_on_the_alert_not_the_clock() -> None:
    anchor = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    hours_later = anchor + timedelta(hours=9)
    start, end = anchored(anchor, hours_later, timedelta(minutes=30), timedelta(hours=6))
    assert (start, end) == (anchor - timedelta(minutes=30), anchor + AFTER_ALERT)
    start, end = anchored(
        anchor, anchor + timedelta(minutes=2), timedelta(hours=9), timedelta(hours=6)
    )
    assert end - start == timedelta(hours=6)


def test_count_statistics_are_signed_and_finite() -> None:
    assert poisson_z(0, 20.0) < -4  # a template that vanished
    assert poisson_z(30, 0.0) == pytest.approx(10.0)  # a new one: bounded like metrics
    assert proportion_z(0.0, 0.5, 30, 30) > 3
    assert abs(proportion_z(0.2, 0.2, 30, 30)) < 1e-9


def _span(sid: str, parent: str, service: str, start: int, end: int, kind: str = "SERVER") -> Span:
    return Span("t", sid, parent, service, f"{service}/op", kind, start * 10**6, end * 10**6)


def test_trace_views_self_time_gaps_and_call_patterns() -> None:
    spans = [
        _span("a", "", "front", 0, 100),
        _span("b", "a", "front", 10, 90, "CLIENT"),
        _span("c", "b", "cart", 20, 40),
    ]
    selfs = self_times(spans)
    assert selfs["front"] == [20.0, 60.0]  # 100 - 80 covered; 80 - 20 covered
    assert selfs["cart"] == [20.0]
    assert client_gaps(spans) == {"front\0cart": [60.0]}  # 80 ms client, 20 ms server
    # The root calls its own client span; the client span calls cart's operation.
    assert call_paths(spans)["front\0front/op"] == [("front/front/op",), ("cart/cart/op",)]


def test_usage_is_compared_with_limits_where_both_are_exported() -> None:
    frame = Frame(T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=20), 60.0)
    sel = 'namespace=~"shop"'
    usage = {"container_cpu_usage_seconds_total", "container_memory_working_set_bytes"}
    ksm = limit_queries(usage | {"kube_pod_container_resource_limits"}, sel, frame)
    (cpu,) = [q for f, q in ksm if f.name.startswith("cpu")]
    assert 'kube_pod_container_resource_limits{namespace=~"shop", resource="cpu"}' in cpu
    assert "irate(container_cpu_usage_seconds_total{" in cpu and "[180s]" in cpu
    assert cpu.startswith("max by (pod) (") and "on (namespace, pod, container)" in cpu
    assert len(ksm) == 2
    assert all(f.key == "pod" and own_aspect(f.name) == "resource" for f, _ in ksm)
    # Without kube-state-metrics, cAdvisor's own spec gives the limits (unlimited ones dropped).
    spec = usage | {"container_spec_cpu_quota", "container_spec_cpu_period"}
    (only,) = limit_queries(spec, sel, frame)
    assert "container_spec_cpu_quota{" in only[1] and "> 0)" in only[1]
    # No limit exported, or no usage: nothing to compare.
    assert limit_queries(usage, sel, frame) == []
    assert limit_queries({"kube_pod_container_resource_limits"}, sel, frame) == []


def test_request_counters_with_a_status_label_give_an_error_share() -> None:
    frame = Frame(T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=20), 60.0)
    sel = 'namespace=~"shop"'
    server = Family("http_server_requests_seconds_count", "counter", {"pod", "outcome"})
    client = Family("http_client_requests_seconds_count", "counter", {"pod", "outcome"})
    plain = Family("requests_total", "counter", {"pod"})
    grpc = Family("grpc_server_handled_total", "counter", {"service", "grpc_code"})
    found = error_share_queries([server, client, plain, grpc], sel, frame)
    assert [f.name for f, _ in found] == [
        "share of http_server_requests_seconds_count failing",
        "share of grpc_server_handled_total failing",
    ]
    family, query = found[0]
    assert family.key == "pod" and own_aspect(family.name) == "errors"
    assert f'outcome=~"{ERROR_VALUES}"' in query and " or " in query and "* 0) / " in query
    assert found[1][0].key == "service" and "grpc_code=~" in found[1][1]
    # The values are whole-string matches of server failures, whatever the protocol.
    failing = re.compile(ERROR_VALUES.removeprefix("(?i)"), re.IGNORECASE)
    for value in ("500", "503", "5xx", "SERVER_ERROR", "Internal", "Unavailable", "error"):
        assert failing.fullmatch(value), value
    for value in ("200", "404", "SUCCESS", "CLIENT_ERROR", "OK", "NotFound", "success"):
        assert not failing.fullmatch(value), value
    # Scored on the scale of all requests: 0% → 5% failing is a clear change, 0.01% → 0.1% not.
    assert robust_z([0.0] * 10, [0.05] * 3, ERROR_LEVEL) >= 4.9
    assert robust_z([0.0001] * 10, [0.001] * 3, ERROR_LEVEL) < 0.2


def test_saturation_is_scored_on_the_scale_of_the_limit() -> None:
    def z(before: float, after: float) -> float:
        return robust_z([before] * 10, [after] * 3, LIMIT_LEVEL)

    assert round(z(0.05, 0.35), 1) == 3.0
    assert round(z(0.5, 1.0), 1) == 5.0
    assert z(0.001, 0.01) < 0.1  # tenfold, but nowhere near the limit
