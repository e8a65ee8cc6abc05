"""When the incident began: the anomalous run that contains the alert, and its start.

An alert fires some time after its condition started to hold (its ``for`` clause, the rule's
evaluation interval, the window of its ``rate``); the baseline must end before that. Windows
of real incidents also hold *earlier*, unrelated episodes, so "the largest change point in the
window" is the wrong question. The question is: walking back from the alert's start, where
does the run of anomalous points that the alert is part of begin?

A point is anomalous when its robust z against the whole pre-alert part of the series
(median and MAD, see ``robust``) exceeds ``RUN_THRESHOLD``. Earlier episodes are short next to
the lookback, so the median and MAD of the pre-alert part stay those of normal operation.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

from .robust import finite, floored_scale, mad_about

# 3.5 robust standard deviations: the conventional cut-off for a single outlier (Iglewicz
# and Hoaglin's modified z-score).
RUN_THRESHOLD = 3.5
# The onset lies at most this long before the alert's start: alerting rules' ``for`` clauses
# and rate windows rarely add up to more than 15 minutes.
ONSET_SEARCH = timedelta(minutes=15)

# A top-level comparison with a number at the end of an alerting expression (`... > 1`).
_COMPARISON = re.compile(
    r"\s*(>=|<=|==|!=|>|<)\s*(bool\s+)?[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
)


def alert_signal(expression: str) -> str:
    """The quantity an alerting expression compares: ``expr > 1`` → ``expr``.

    The comparison filters the series to the moments the condition held, which hides the
    rise before it; the quantity itself shows the whole run. Only a comparison at the top
    level (outside every parenthesis) is stripped; anything else is returned unchanged.
    """
    text = expression.strip()
    found = _COMPARISON.search(text)
    if found is None:
        return text
    head = text[: found.start()]
    depth = 0
    for char in head:
        depth += {"(": 1, ")": -1}.get(char, 0)
    return head.strip() if depth == 0 and head.strip() else text


def run_start(
    times: Sequence[float], values: Sequence[float], anchor: float, threshold: float = RUN_THRESHOLD
) -> float | None:
    """Start of the run of anomalous points containing the last point at or before ``anchor``.

    Points before ``anchor`` form the reference (median, floored MAD). Returns ``None`` when
    the point at the anchor is not anomalous or there is too little reference to judge.
    """
    points = [(t, v) for t, v in zip(times, values, strict=True) if v == v]
    before = [v for t, v in points if t <= anchor]
    if len(before) < 4:
        return None
    reference = finite(before)
    centre = statistics.median(reference)
    spread = floored_scale(centre, mad_about(reference, centre))

    def anomalous(value: float) -> bool:
        return abs(value - centre) / spread > threshold

    # The last point at or before the anchor, searched from the end: the anchor lies near it.
    index = next(i for i in range(len(points) - 1, -1, -1) if points[i][0] <= anchor)
    if not anomalous(points[index][1]):
        return None
    while index > 0 and anomalous(points[index - 1][1]):
        index -= 1
    return points[index][0]


def onset(anchor: datetime, starts: Sequence[float], search: timedelta = ONSET_SEARCH) -> datetime:
    """The incident's onset from candidate run starts (epoch seconds), clamped to the search.

    The median of the candidates within ``search`` before the anchor (robust to one signal
    that was already odd long before); the anchor itself when there is none.
    """
    lo = (anchor - search).timestamp()
    near = [s for s in starts if lo <= s <= anchor.timestamp()]
    if not near:
        return anchor
    return datetime.fromtimestamp(statistics.median(near), anchor.tzinfo)
