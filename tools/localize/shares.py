"""Signals from shares of traces: how often each service is where something happens in a trace.

Before and after the split, each trace names a set of services (where its errors begin, where
its deepest slow span is). A service's share of traces moving up is scored with a
two-proportion z statistic and then normalised against the other services' (``robust``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .robust import peer_scores
from .signals import Aspect, Signal
from .workloads import Workloads


@dataclass(frozen=True, slots=True)
class Evidence:
    """What every trace signal of one analysis shares: the mapping, the query, the time."""

    workloads: Workloads
    request: str
    moment: datetime


def proportion_z(before: float, after: float, n_before: int, n_after: int) -> float:
    """Two-proportion z statistic of a share that moved from ``before`` to ``after``.

    The pooled share's binomial variance, with half a count added on each side so a share
    of 0 or 1 (common with a few dozen traces) still has a finite spread.
    """
    pooled = (before * n_before + after * n_after + 0.5) / (n_before + n_after + 1)
    spread = (pooled * (1 - pooled) * (1 / max(n_before, 1) + 1 / max(n_after, 1))) ** 0.5
    return (after - before) / spread if spread > 0 else 0.0


def share_signals(
    was: Sequence[set[str]],
    now: Sequence[set[str]],
    services: Iterable[str],
    name: str,
    aspect: Aspect,
    evidence: Evidence,
) -> list[Signal]:
    """One signal per service: its share of traces (``name`` formatted with it) moving up."""
    names = sorted(services)
    if not names or not was or not now:
        return []
    shares = {
        s: (sum(s in o for o in was) / len(was), sum(s in o for o in now) / len(now)) for s in names
    }
    zs = {s: proportion_z(*shares[s], len(was), len(now)) for s in names}
    normalised = peer_scores(zs)
    return [
        Signal(
            component=evidence.workloads.of_name(service),
            source="traces",
            name=name.format(service),
            score=normalised[service] if zs[service] > 0 else 0.0,
            z=zs[service],
            before=shares[service][0],
            after=shares[service][1],
            started=evidence.moment,
            query=evidence.request,
            aspect=aspect,
        )
        for service in names
    ]
