"""Range summaries keep a few downsampled points of their top series, for charts."""

from __future__ import annotations

from tools.summarise.series import (
    CHART_POINTS,
    CHARTED_SERIES,
    charted,
    downsample,
    summarise_matrix,
)


def test_downsample_keeps_the_spike_and_both_levels_of_a_step() -> None:
    points = [(float(t), 1.0) for t in range(600)]
    points[137] = (137.0, 50.0)  # one spike
    points[400:] = [(float(t), 9.0) for t in range(400, 600)]  # a step
    kept = downsample(points)
    assert len(kept) == CHART_POINTS
    values = [v for _, v in kept]
    assert 50.0 in values and values[0] == 1.0 and values[-1] == 9.0
    assert [t for t, _ in kept] == sorted(t for t, _ in kept)
    assert downsample(points[:10]) == tuple(points[:10])


def test_only_the_top_series_carry_points() -> None:
    matrix = [
        {"metric": {"pod": f"p{i}"}, "values": [[t, str(i * (t > 50))] for t in range(100)]}
        for i in range(5)
    ]
    facts = charted(summarise_matrix(matrix, split=50.0))
    with_points = [f for f in facts if "points" in f]
    assert len(with_points) == CHARTED_SERIES
    assert with_points[0]["labels"] == {"pod": "p4"}  # the most deviating series first
    first, last = with_points[0]["points"][0], with_points[0]["points"][-1]
    assert first == [0, 0.0] and last[0] >= 98 and last[1] == 4.0
