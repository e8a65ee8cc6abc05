"""Evidence charts: drawn from what the tool recorded, escaped, tolerant of odd records."""

from __future__ import annotations

import re
from typing import Any

from agent.server.console.charts import pick, render, series_charts, tick

T0 = 1_700_000_000


def _data(labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    points = [[T0 + 60 * i, 0.01 if i < 40 else 0.5] for i in range(60)]
    series = {
        "labels": labels or {"service": "checkout"},
        "baseline_mean": 0.01,
        "window_mean": 0.4,
        "change": {"at": "2023-11-14T22:53:20Z", "before": 0.01, "after": 0.5},
        "points": points,
    } | extra
    return {"series": [series], "window": {"start": "2023-11-14T22:33:20Z"}}


def test_the_chart_marks_baseline_and_change_point_where_they_happened() -> None:
    (chart,) = series_charts(_data())
    svg = str(render(chart))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    change = re.search(r'<line class="change" x1="([\d.]+)"', svg)
    shade = re.search(r'<rect class="baseline-period" x="(\d+)" y="\d+" width="([\d.]+)"', svg)
    assert change is not None and shade is not None
    # 2400 s of 3540 s in: the change point sits two thirds of the way along the plot area.
    left, right = 60, 640 - 14
    assert abs(float(change[1]) - (left + (2400 / 3540) * (right - left))) < 1
    assert abs(float(shade[2]) - (1200 / 3540) * (right - left)) < 1
    assert "0.01 → 0.5" in svg and 'class="baseline-mean"' in svg


def test_every_label_in_a_chart_is_escaped() -> None:
    hostile = {"service": "</text><script>alert(1)</script>"}
    (chart,) = series_charts(_data(hostile))
    svg = str(render(chart))
    assert "<script" not in svg and "&lt;script&gt;" in svg


def test_odd_records_give_no_chart_rather_than_an_error() -> None:
    assert series_charts({}) == []
    assert series_charts({"series": "x", "window": []}) == []
    assert series_charts({"series": [{"points": [[1, "x"], [2]]}]}) == []
    (chart,) = series_charts(_data(change="later", baseline_mean=True))
    assert chart.change_at is None and chart.baseline_mean is None
    assert "change" not in str(render(chart)).split("</title>")[1]


def test_a_quote_picks_the_series_it_names() -> None:
    data = _data({"service": "a"})
    data["series"].append(_data({"service": "b"})["series"][0])
    charts = series_charts(data)
    assert pick(charts, '{service="b"}: last 0.5')
    assert pick(charts, '{service="b"}: last 0.5').labels == {"service": "b"}  # type: ignore[union-attr]
    assert pick(charts, "nothing named").labels == {"service": "a"}  # type: ignore[union-attr]
    assert pick([], "x") is None


def test_a_ranking_quote_picks_its_component_or_signal_and_splits_at_the_onset() -> None:
    data = {
        "window": {"start": "2023-11-14T22:00:00Z"},
        "series": [
            _data(subject="cart", signal="rate(a)", window_start="2023-11-14T22:33:20Z")["series"][
                0
            ],
            _data(subject="cartservice", signal="rate(b)")["series"][0],
        ],
    }
    charts = series_charts(data)
    head = pick(charts, "2. cartservice: score 5.1 (metrics, from 22:53:20)")
    assert head is not None and head.subject == "cartservice"
    line = pick(charts, "- metrics: rate(a) 0.01 → 0.5 ↑ (z +9.0, 4.0 against peers)")
    assert line is not None and line.subject == "cart"
    # The ranking's own split (its onset) wins over the call's window start.
    assert charts[0].window_start == T0 + 20 * 60  # 22:33:20, the series' own split
    assert charts[1].window_start == T0 - 13 * 60 - 20  # 22:00:00, the call's window


def test_axis_labels_fit_the_margin_and_period_labels_need_room() -> None:
    assert [tick(v) for v in (398_100_000.0, 2_500.0, 0.25, 0.0)] == ["398M", "2.5k", "0.25", "0"]
    narrow = _data(window_start="2023-11-14T22:14:20Z")  # one minute of baseline
    svg = str(render(series_charts(narrow)[0]))
    assert ">window<" in svg and ">baseline<" not in svg
    assert ">baseline<" in str(render(series_charts(_data())[0]))
