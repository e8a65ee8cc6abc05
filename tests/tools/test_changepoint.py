import math

import pytest

from tools.summarise.changepoint import detect_change, detect_rank_change

# Deterministic "noise": a fixed wiggle pattern, so tests cannot flake.
WIGGLE = [0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.4, -0.3, 0.2]


def noisy(level: float, n: int) -> list[float]:
    return [level + WIGGLE[i % len(WIGGLE)] for i in range(n)]


@pytest.mark.parametrize(
    ("values", "index", "before", "after"),
    [
        ([1.0] * 10 + [5.0] * 10, 10, 1.0, 5.0),  # clean step up
        ([8.0] * 15 + [2.0] * 5, 15, 8.0, 2.0),  # step down late
        (noisy(10, 20) + noisy(20, 20), 20, 10.0, 20.0),  # noisy step
        ([0.0] * 6 + [3.0] * 6, 6, 0.0, 3.0),  # from zero
    ],
)
def test_detects_the_step(values: list[float], index: int, before: float, after: float) -> None:
    change = detect_change(values)
    assert change is not None
    assert change.index == index
    assert change.before == pytest.approx(before, abs=0.1)
    assert change.after == pytest.approx(after, abs=0.1)
    assert change.shift == pytest.approx(after - before, abs=0.2)


@pytest.mark.parametrize(
    "values",
    [
        [4.0] * 30,  # flat
        noisy(10, 40),  # stationary noise
        [1.0, 2.0, 3.0],  # too short
        [5.0] * 19 + [50.0],  # one outlier at the edge is not a level change
        [100.0] * 10 + [100.5] * 10,  # shift below 5% of the level
    ],
)
def test_no_change(values: list[float]) -> None:
    assert detect_change(values) is None


def test_flat_segments_have_infinite_score() -> None:
    change = detect_change([1.0] * 5 + [2.0] * 5)
    assert change is not None and math.isinf(change.score)


def test_min_segment_bounds_the_split() -> None:
    values = [1.0] * 18 + [9.0] * 2
    exact = detect_change(values, min_segment=2)
    assert exact is not None and exact.index == 18
    guarded = detect_change(values, min_segment=3)
    assert guarded is None or guarded.index <= len(values) - 3


def test_the_rank_test_finds_a_step_in_heavy_tailed_bimodal_values() -> None:
    # One value per request: mostly ~45 spans, then half the requests make one span only.
    before = [45.0 + (i % 5) for i in range(200)]
    after = [1.0 if i % 2 else 45.0 + (i % 5) for i in range(200)]
    assert detect_change(before + after) is None  # the mean shift drowns in the spread
    change = detect_rank_change(before + after, min_segment=10)
    assert change is not None
    assert abs(change.index - 200) <= 3
    assert change.after < change.before


def test_the_rank_test_ignores_stationary_values_and_outliers() -> None:
    steady = [float(WIGGLE[i % len(WIGGLE)] * 100 + 500) for i in range(300)]
    assert detect_rank_change(steady, min_segment=10) is None
    assert detect_rank_change([*steady[:150], 10_000.0, *steady[150:]], min_segment=10) is None
