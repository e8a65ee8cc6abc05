"""Robust scores of one series against its pre-onset baseline, and across peer workloads.

Pure functions over plain floats. The method is BARO's robust scaler (Pham et al., FSE'24):
centre the baseline on its median and scale it by its median absolute deviation, then ask how
far the anomalous part sits from it. Two refinements from practice on real data:

* **a floor on the scale**: a flat baseline has MAD 0, and any wiggle would score in the
  millions; the scale is at least a tenth of the larger of the two levels (before and after),
  so a score is also bounded by the *relative* size of the change: a series must move both
  against its noise and against its own level to score high (at most 10 for a series of
  non-negative values, reached when it rises from zero);
* **peer normalisation**: each metric's scores are re-scored against the scores of the other
  workloads exporting the same metric, so one sparse or heavy-tailed series (an idle pod's
  client latency) cannot outrank a change that is unusual *for that metric*.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

# 1.4826 · MAD estimates the standard deviation of normally distributed data.
MAD_TO_SIGMA = 1.4826
# The scale is at least this fraction of the larger level (baseline or anomalous median): a
# change smaller than 10% of a series' level is ordinary variation however flat it was.
RELATIVE_FLOOR = 0.1
# ...and at least this, in the series' own unit, so a series flat at zero stays finite.
ABSOLUTE_FLOOR = 1e-6
# Peer scores are scaled by at least this many robust z units: with nine quiet peers whose
# scores agree closely, a peer slightly above them is still not an outlier.
PEER_FLOOR = 1.0


def finite(values: Sequence[float]) -> list[float]:
    """``values`` without NaN and infinities (idle summaries export NaN quantiles)."""
    return list(filter(math.isfinite, values))


def median_sorted(ordered: Sequence[float]) -> float:
    """The median of values already in ascending order (at least one).

    ``statistics.median`` without its sort, for callers that keep the sorted values.
    """
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def mad_about(clean: Sequence[float], centre: float) -> float:
    """MAD of finite values around their median ``centre`` (0 for fewer than two values).

    ``mad`` without recomputing the median a caller already has.
    """
    if len(clean) < 2:
        return 0.0
    return median_sorted(sorted([abs(v - centre) for v in clean]))


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median (0 for fewer than two values)."""
    clean = finite(values)
    if len(clean) < 2:
        return 0.0
    return mad_about(clean, statistics.median(clean))


def floored_scale(centre: float, deviation: float, level: float = 0.0) -> float:
    """The scale of ``scale`` from a baseline's median and MAD (see module for the floors)."""
    top = max(abs(centre), abs(level))
    return max(MAD_TO_SIGMA * deviation, RELATIVE_FLOOR * top, ABSOLUTE_FLOOR)


def scale(baseline: Sequence[float], level: float = 0.0) -> float:
    """The robust spread of ``baseline``: MAD as a standard deviation, floored (see module).

    ``level`` is the other part's level (the anomalous median) for the relative floor.
    """
    clean = finite(baseline)
    if not clean:
        return ABSOLUTE_FLOOR
    centre = statistics.median(clean)
    return floored_scale(centre, mad_about(clean, centre), level)


def shift(
    baseline: Sequence[float], anomalous: Sequence[float], level: float = 0.0
) -> tuple[float, float, float]:
    """``robust_z`` together with the baseline's and the anomalous part's medians.

    Each part is filtered and sorted once; a median is NaN for a part without finite values
    (the z is then 0, as in ``robust_z``).
    """
    base = sorted(finite(baseline))
    after = sorted(finite(anomalous))
    before_median = median_sorted(base) if base else math.nan
    after_median = median_sorted(after) if after else math.nan
    if not base or not after:
        return 0.0, before_median, after_median
    spread = floored_scale(
        before_median,
        mad_about(base, before_median),
        max(abs(after_median), abs(level)),
    )
    return (after_median - before_median) / spread, before_median, after_median


def robust_z(baseline: Sequence[float], anomalous: Sequence[float], level: float = 0.0) -> float:
    """How far the anomalous part's median sits from the baseline median, in robust units.

    Signed: positive when the series rose. The anomalous part's *median* (not its maximum)
    is compared, so one stray point — a counter reset's artefact, a scrape hiccup — in an
    otherwise unchanged window does not score; a sustained shift does. Returns 0 when either
    part has no finite values. ``level`` raises the relative floor for a series that is a
    part of a larger quantity (a gap is judged against the latency it is part of).
    """
    return shift(baseline, anomalous, level)[0]


def peer_scores(scores: Mapping[str, float]) -> dict[str, float]:
    """Each workload's score of one metric against its peers' scores of the same metric.

    ``(s - median(peers)) / max(1.4826·MAD(peers), PEER_FLOOR)`` over the absolute scores,
    where the peers are all workloads exporting the metric. A workload without peers keeps
    its own absolute score: there is nothing to compare it with, and dropping it would hide
    the only signal of a component that alone exports a metric.
    """
    if len(scores) < 3:
        return {k: abs(v) for k, v in scores.items()}
    magnitudes = {k: abs(v) for k, v in scores.items()}
    values = list(magnitudes.values())
    centre = statistics.median(values)
    spread = max(MAD_TO_SIGMA * mad(values), PEER_FLOOR)
    return {k: max(0.0, (v - centre) / spread) for k, v in magnitudes.items()}
