"""Detect one mean shift in a series: the split minimising the two segments' squared error.

A two-segment least-squares fit (the single-change case of binary segmentation) is enough to
answer the investigator's question "did this series step, when, and by how much?". A split only
counts when the shift is large against the noise left inside the segments, so a noisy but
stationary series reports no change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Shift must exceed this many within-segment standard deviations...
_MIN_SCORE = 3.0
# ...and this fraction of the larger segment mean, so float noise on a flat line is no change.
_MIN_RELATIVE = 0.05


@dataclass(frozen=True, slots=True)
class ChangePoint:
    """A mean shift: the first index of the new level, the two levels and the shift's score."""

    index: int
    before: float
    after: float
    score: float

    @property
    def shift(self) -> float:
        """``after - before``."""
        return self.after - self.before


def detect_change(values: Sequence[float], min_segment: int = 3) -> ChangePoint | None:
    """The most likely single mean shift in ``values``, or ``None`` if there is none.

    Args:
        values: The series, in time order, without NaNs.
        min_segment: Fewest points on each side of a split (guards against single outliers).
    """
    n = len(values)
    if n < 2 * min_segment:
        return None
    prefix = [0.0]
    prefix_sq = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
        prefix_sq.append(prefix_sq[-1] + v * v)

    def sse(lo: int, hi: int) -> float:
        count = hi - lo
        total = prefix[hi] - prefix[lo]
        return max(0.0, (prefix_sq[hi] - prefix_sq[lo]) - total * total / count)

    best_k, best_cost = 0, math.inf
    for k in range(min_segment, n - min_segment + 1):
        cost = sse(0, k) + sse(k, n)
        if cost < best_cost:
            best_k, best_cost = k, cost
    before = (prefix[best_k] - prefix[0]) / best_k
    after = (prefix[n] - prefix[best_k]) / (n - best_k)
    shift = abs(after - before)
    scale = max(abs(before), abs(after))
    if shift == 0 or shift < _MIN_RELATIVE * scale:
        return None
    noise = math.sqrt(best_cost / (n - 2))
    score = shift / noise if noise > 0 else math.inf
    if score < _MIN_SCORE:
        return None
    return ChangePoint(index=best_k, before=before, after=after, score=score)


# Pettitt's test: a change point counts at this significance...
_RANK_P = 1e-3
# ...and when one side's values exceed the other's this much more often than not (|2·AUC − 1|).
_RANK_EFFECT = 0.2


def _midranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def detect_rank_change(values: Sequence[float], min_segment: int = 3) -> ChangePoint | None:
    """The most likely single shift in ``values`` by Pettitt's rank test, or ``None``.

    For many heavy-tailed or many-valued points (one per request or trace), where a mean and a
    standard deviation say little: ``U_t = 2·Σ_{i≤t} r_i − t(n+1)`` over the midranks ``r``,
    the change at the ``t`` maximising ``|U_t|``, significant when
    ``p ≈ 2·exp(−6K² / (n³ + n²)) < 0.001`` and large when the one side's values exceed the
    other's in at least 60 % of pairs. ``score`` is that effect, ``|U_t| / (t·(n−t))`` in
    ``[0, 1]``; ``before``/``after`` are the two segments' medians.
    """
    n = len(values)
    if n < 2 * min_segment:
        return None
    ranks = _midranks(values)
    best_t, best_u, running = 0, 0.0, 0.0
    for t in range(1, n):
        running += ranks[t - 1]
        if t < min_segment or n - t < min_segment:
            continue
        u = abs(2 * running - t * (n + 1))
        if u > best_u:
            best_t, best_u = t, u
    if best_t == 0:
        return None
    p = 2 * math.exp(-6 * best_u * best_u / (n**3 + n**2))
    effect = best_u / (best_t * (n - best_t))
    if p >= _RANK_P or effect < _RANK_EFFECT:
        return None
    return ChangePoint(
        index=best_t,
        before=_median(values[:best_t]),
        after=_median(values[best_t:]),
        score=effect,
    )
