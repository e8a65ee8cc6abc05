"""Server-side SVG charts of metric evidence: the series around the onset, as the tool fetched it.

A range tool (``query_metrics``, LogQL metric queries) records, for the series deviating most,
its downsampled points, the baseline and window means and the detected level change, plus the
window's start (everything before it is the baseline the tool compared against). ``chart``
draws exactly that: the baseline period shaded, the baseline mean dashed, the series, and the
change point marked with its before → after levels. No chart library, no script: the SVG is
part of the page, every label is escaped, and styling comes from the console's stylesheet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

from tools.summarise.numbers import labels_text, num

WIDTH, HEIGHT = 640, 190
_LEFT, _RIGHT, _TOP, _BOTTOM = 60, 14, 16, 34
_LABEL_ROOM = 56  # pixels a period's label ("baseline", "window") needs


@dataclass(frozen=True, slots=True)
class SeriesChart:
    """What one chart shows, parsed from a tool call's recorded facts."""

    labels: dict[str, str]
    points: list[tuple[float, float]]
    window_start: float | None
    baseline_mean: float | None
    window_mean: float | None
    change_at: float | None
    change_before: float | None
    change_after: float | None
    # What the series is evidence about when labels do not say (a ranked component, a signal).
    subject: str = ""
    signal: str = ""


def parse_instant(text: Any) -> float | None:
    """Epoch seconds of an ISO-8601 instant (UTC when it names no zone), else ``None``."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=UTC).timestamp()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _points(raw: Any) -> list[tuple[float, float]]:
    points = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list) and len(item) == 2:
            t, v = _number(item[0]), _number(item[1])
            if t is not None and v is not None:
                points.append((t, v))
    return sorted(points)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def series_charts(data: Mapping[str, Any]) -> list[SeriesChart]:
    """Every series with recorded points in one call's ``data`` (none for other tools)."""
    window = _dict(data.get("window"))
    charts = []
    for item in data.get("series") or []:
        if not isinstance(item, dict):
            continue
        points = _points(item.get("points"))
        if len(points) < 2:
            continue
        change, labels = _dict(item.get("change")), _dict(item.get("labels"))
        charts.append(
            SeriesChart(
                labels={str(k): str(v) for k, v in labels.items()},
                points=points,
                # A series may carry its own split (a ranking's onset), else the call's window.
                window_start=parse_instant(item.get("window_start") or window.get("start")),
                baseline_mean=_number(item.get("baseline_mean")),
                window_mean=_number(item.get("window_mean")),
                change_at=parse_instant(change.get("at")),
                change_before=_number(change.get("before")),
                change_after=_number(change.get("after")),
                subject=str(item.get("subject") or ""),
                signal=str(item.get("signal") or ""),
            )
        )
    return charts


def _names(chart: SeriesChart, quote: str) -> bool:
    """Whether ``quote`` names ``chart``'s series: its label set, its signal or its subject."""
    text = labels_text(chart.labels)
    if text in quote or (chart.labels and text.split("{", 1)[1] in quote):
        return True
    if chart.signal and f": {chart.signal} " in quote:
        return True
    return bool(chart.subject) and f" {chart.subject}: " in f" {quote}"


def pick(charts: Sequence[SeriesChart], quote: str) -> SeriesChart | None:
    """The series a quote is about: the one it names, else the top series."""
    return next((c for c in charts if _names(c, quote)), charts[0] if charts else None)


def _hhmm(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M")


def _hhmmss(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S")


class _Scale:
    def __init__(self, chart: SeriesChart) -> None:
        times = [t for t, _ in chart.points]
        values = [v for _, v in chart.points]
        values += [
            v
            for v in (chart.baseline_mean, chart.change_before, chart.change_after)
            if v is not None
        ]
        self.t0, self.t1 = min(times), max(times)
        low, high = min(values), max(values)
        if low >= 0:  # rates and ratios: the zero line is meaningful
            low = 0.0
        if high == low:
            high = low + (abs(low) or 1.0)
        self.v0, self.v1 = low, high + (high - low) * 0.05

    def x(self, t: float) -> float:
        span = (self.t1 - self.t0) or 1.0
        clamped = min(max(t, self.t0), self.t1)
        return _LEFT + (clamped - self.t0) / span * (WIDTH - _LEFT - _RIGHT)

    def y(self, v: float) -> float:
        return HEIGHT - _BOTTOM - (v - self.v0) / (self.v1 - self.v0) * (HEIGHT - _TOP - _BOTTOM)


_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def tick(value: float) -> str:
    """An axis label short enough for the margin: 3 significant digits, SI prefix past 1000."""
    for scale, prefix in _SI:
        if abs(value) >= scale:
            return f"{value / scale:.3g}{prefix}"
    return num(value)


def describe(chart: SeriesChart) -> str:
    """The chart in words (its accessible name and tooltip)."""
    parts = [f"{labels_text(chart.labels)}: {len(chart.points)} points"]
    if chart.baseline_mean is not None:
        parts.append(f"baseline mean {num(chart.baseline_mean)}")
    if chart.window_mean is not None:
        parts.append(f"window mean {num(chart.window_mean)}")
    if chart.change_at is not None and None not in (chart.change_before, chart.change_after):
        parts.append(
            f"level change at {_hhmmss(chart.change_at)} UTC: "
            f"{num(chart.change_before or 0.0)} → {num(chart.change_after or 0.0)}"
        )
    return "; ".join(parts)


def render(chart: SeriesChart) -> Markup:
    """The chart as an inline ``<svg>`` element; every text in it is escaped."""
    s = _Scale(chart)
    top, bottom = _TOP, HEIGHT - _BOTTOM
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(describe(chart))}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(describe(chart))}</title>",
    ]
    if chart.window_start is not None and chart.window_start > s.t0:
        x = s.x(chart.window_start)
        out.append(f'<rect class="baseline-period" x="{_LEFT}" y="{top}" '
                   f'width="{x - _LEFT:.1f}" height="{bottom - top}"/>')  # fmt: skip
        # Each period is named only where its label fits (a short baseline leaves no room).
        if x - _LEFT >= _LABEL_ROOM:
            out.append(f'<text class="note" x="{_LEFT + 4}" y="{top + 11}">baseline</text>')
        if WIDTH - _RIGHT - x >= _LABEL_ROOM:
            out.append(f'<text class="note" x="{x + 4:.1f}" y="{top + 11}">window</text>')
    out.append(
        f'<line class="axis" x1="{_LEFT}" y1="{bottom}" x2="{WIDTH - _RIGHT}" y2="{bottom}"/>'
    )
    out.append(f'<line class="axis" x1="{_LEFT}" y1="{top}" x2="{_LEFT}" y2="{bottom}"/>')
    for value in (s.v0, s.v1):
        out.append(f'<text class="tick" x="{_LEFT - 6}" y="{s.y(value) + 4:.1f}" '
                   f'text-anchor="end">{escape(tick(value))}</text>')  # fmt: skip
    for moment, anchor in ((s.t0, "start"), (s.t1, "end")):
        out.append(f'<text class="tick" x="{s.x(moment):.1f}" y="{bottom + 16}" '
                   f'text-anchor="{anchor}">{_hhmm(moment)}</text>')  # fmt: skip
    if chart.baseline_mean is not None:
        y = s.y(chart.baseline_mean)
        out.append(f'<line class="baseline-mean" x1="{_LEFT}" y1="{y:.1f}" '
                   f'x2="{WIDTH - _RIGHT}" y2="{y:.1f}"/>')  # fmt: skip
    path = " ".join(f"{s.x(t):.1f},{s.y(v):.1f}" for t, v in chart.points)
    out.append(f'<polyline class="series" points="{path}"/>')
    if chart.change_at is not None:
        x = s.x(chart.change_at)
        out.append(f'<line class="change" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}"/>')
        label = f"change {_hhmmss(chart.change_at)}"
        if chart.change_before is not None and chart.change_after is not None:
            label += f": {num(chart.change_before)} → {num(chart.change_after)}"
        anchor = "end" if x > WIDTH / 2 else "start"
        shift = -4 if anchor == "end" else 4
        out.append(f'<text class="change-label" x="{x + shift:.1f}" y="{bottom + 30}" '
                   f'text-anchor="{anchor}">{escape(label)}</text>')  # fmt: skip
    out.append("</svg>")
    return Markup("".join(out))  # built from escaped text and numbers only
