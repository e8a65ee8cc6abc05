"""One ranking from every source: a component is as suspect as its strongest signal.

Per component, the score is the maximum of its signals' standardised (peer-normalised) scores
— a strong single source is kept, not diluted by quiet ones as a rank sum would (rca-methods,
"Combining sources"). Ties go to the component whose second-strongest signal is stronger,
then to the name, so the order is deterministic.

Latency and errors propagate to every caller. A caller whose strongest signal is a rise in
latency or errors, and which calls a component that itself shows a significant *rise* in
latency, errors or resource use (or a caller/callee gap) is *explained* by that callee: it is
ranked just below it, never above. Drops do not explain anything: less traffic, CPU or
network I/O downstream is what a slow caller causes, not what causes it. The calls come from
the traces and the edge metrics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .signals import Signal

# Signals kept per entry, strongest first.
TOP_SIGNALS = 3
# 3.5 robust standard deviations: the conventional outlier cut-off (Iglewicz and Hoaglin).
SIGNIFICANT = 3.5
# Aspects through which a fault propagates to callers, and those that explain a caller.
_PROPAGATING = frozenset({"latency", "errors"})
_EXPLAINING = frozenset({"latency", "errors", "resource"})


@dataclass(frozen=True, slots=True)
class Ranked:
    """One component of the ranking with the signals that put it there."""

    component: str
    score: float
    signals: tuple[Signal, ...]
    explained_by: str | None = None
    effective: float = 0.0  # the score it is ranked by: at most that of its explaining callee
    # The strongest rise per aspect over *all* the component's signals (not only the top
    # ones): what the category is decided from. ``gap`` counts edge and trace gaps only.
    aspects: dict[str, float] | None = None

    @property
    def started(self) -> datetime | None:
        """The earliest start among the entry's top signals."""
        moments = [s.started for s in self.signals if s.started is not None]
        return min(moments) if moments else None

    @property
    def sources(self) -> list[str]:
        """The sources that contributed, strongest first."""
        return list(dict.fromkeys(s.source for s in self.signals))


def rank(signals: Iterable[Signal], calls: Iterable[tuple[str, str]] = ()) -> list[Ranked]:
    """Components by their strongest signal, callers below the callees that explain them."""
    per: dict[str, list[Signal]] = defaultdict(list)
    for signal in signals:
        per[signal.component].append(signal)
    ranked = []
    for component, items in per.items():
        items.sort(key=lambda s: (-s.score, -abs(s.z), s.name))
        top: list[Signal] = []
        for item in items:
            if all(t.name != item.name for t in top):
                top.append(item)
            if len(top) == TOP_SIGNALS:
                break
        ranked.append(
            Ranked(component, top[0].score if top else 0.0, tuple(top), aspects=_aspects(items))
        )

    return _explain(ranked, set(calls))


def _aspects(signals: list[Signal]) -> dict[str, float]:
    """Strongest rising score per aspect; caller/callee gaps (edges, traces) as ``gap``."""
    out: dict[str, float] = {}
    for signal in signals:
        if signal.z <= 0:
            continue
        is_gap = signal.aspect == "network" and signal.source in ("edges", "traces")
        key = "gap" if is_gap else signal.aspect
        out[key] = max(out.get(key, 0.0), round(signal.score, 3))
    return out


def explains(signal: Signal) -> bool:
    """Whether ``signal`` can explain a caller's anomaly (a significant rise, see module)."""
    if signal.score < SIGNIFICANT or signal.z <= 0:
        return False
    gap = signal.aspect == "network" and signal.source in ("edges", "traces")
    return gap or signal.aspect in _EXPLAINING


def _explain(ranked: list[Ranked], calls: set[tuple[str, str]]) -> list[Ranked]:
    """Order by effective score: a propagating caller never outranks its explaining callee."""
    entries = {e.component: e for e in ranked}
    effective: dict[str, float] = {}
    explained: dict[str, str] = {}

    def settle(name: str, visiting: frozenset[str]) -> float:
        if name in effective:
            return effective[name]
        entry = entries[name]
        value = entry.score
        top = entry.signals[0] if entry.signals else None
        if top is not None and top.aspect in _PROPAGATING and top.z > 0:
            # Just below the strongest explaining callee (it is the likelier origin).
            best: tuple[float, str] | None = None
            for caller, callee in sorted(calls):
                if caller != name or callee not in entries or callee in visiting:
                    continue
                if not any(explains(s) for s in entries[callee].signals):
                    continue
                held = settle(callee, visiting | {name})
                if best is None or held > best[0]:
                    best = (held, callee)
            if best is not None and best[0] - 1e-3 < value:
                value, explained[name] = best[0] - 1e-3, best[1]
        effective[name] = value
        return value

    for name in sorted(entries):
        settle(name, frozenset({name}))

    def order(entry: Ranked) -> tuple[float, float, str]:
        second = entry.signals[1].score if len(entry.signals) > 1 else 0.0
        return (-effective[entry.component], -second, entry.component)

    return [
        Ranked(
            e.component,
            e.score,
            e.signals,
            explained.get(e.component),
            effective[e.component],
            e.aspects,
        )
        for e in sorted(ranked, key=order)
    ]
