"""One ranking from every source: a component is as suspect as its strongest signal.

Per component, the score is the maximum of its signals' standardised (peer-normalised) scores
— a strong single source is kept, not diluted by quiet ones as a rank sum would (rca-methods,
"Combining sources"). Ties go to the component whose second-strongest signal is stronger,
then to the name, so the order is deterministic.

Time a component spends *waiting* on its callees (client-side latency) says the fault is at
or below those callees, not in the component: such a signal counts at most at the
``SIGNIFICANT`` cut-off, so it keeps a component on the list of suspects without letting it
outrank one whose own latency, errors or resource use moved. A rise in the volume a component
serves (its request rate, the bytes it receives or sends) is the same in the other direction:
demand its callers put on it, counted at most at the cut-off too. A *drop* in volume keeps its
score: a component that fails fast or stopped answering sends less on its own account.

Latency and errors propagate to every caller. A caller whose strongest signal is a rise in
latency or errors, and which calls a component that itself shows a significant *rise* in
latency, errors or resource use (or a caller/callee gap) is *explained* by that callee: it is
ranked just below it, never above. Drops do not explain anything: less traffic, CPU or
network I/O downstream is what a slow caller causes, not what causes it. The calls come from
the traces and the edge metrics. A callee explains only what it can account for: where
caller and callee report the same latency metric, the time added at the callee must be at
least ``ACCOUNTS_FOR`` of the time added at the caller (a caller slowed from 40 ms to 2 s is
not explained by a callee that went from 24 ms to 42 ms). Time added below a caller fails its
requests only through time-outs, which the caller waits for: a callee's latency or gap explains
a caller's errors only when the caller's own latency rose too. A change that spreads both ways
along calls (a code path, ``Signal.directed``) explains no caller.
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
_PROPAGATING = frozenset({"latency", "waiting", "errors"})
_EXPLAINING = frozenset({"latency", "errors", "resource"})
# The least share of a caller's added latency its callee must add to explain it: a tenth,
# so that a caller making up to ten sequential calls per request is still explained.
ACCOUNTS_FOR = 0.1
_TIMED = frozenset({"latency", "waiting"})


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
        ranked.append(Ranked(component, _score(items), _top(items), aspects=_aspects(items)))

    return _explain(ranked, set(calls), per)


def _top(signals: list[Signal]) -> tuple[Signal, ...]:
    """The strongest signals (sorted), one per metric family first.

    The p90 and p95 of one latency say less together than one of them beside the CPU that
    moved with it.
    """
    first: dict[tuple[str, str], int] = {}  # per (source, family): its strongest signal
    for i, signal in enumerate(signals):
        first.setdefault((signal.source, signal.name.split("{", 1)[0]), i)
    chosen = sorted(first.values())[:TOP_SIGNALS]
    names = {signals[i].name for i in chosen}
    rest = [i for i, s in enumerate(signals) if i not in chosen and s.name not in names]
    return tuple(signals[i] for i in sorted(chosen + rest[: TOP_SIGNALS - len(chosen)]))


def _score(signals: list[Signal]) -> float:
    """The component's score: its strongest signal, waiting on callees capped (see module)."""
    return max(
        (min(s.score, SIGNIFICANT) if _neighbours(s) else s.score for s in signals),
        default=0.0,
    )


def _neighbours(signal: Signal) -> bool:
    """Whether a signal speaks of the component's neighbours more than of itself.

    Time spent waiting on callees, or more volume served (request rates, network bytes).
    """
    if signal.aspect == "waiting":
        return True
    volume = signal.aspect == "traffic" or (
        signal.aspect == "network" and signal.source == "metrics" and "bytes" in signal.name
    )
    return volume and signal.z > 0


def _aspects(signals: list[Signal]) -> dict[str, float]:
    """Strongest rising score per aspect; caller/callee gaps (edges, traces) as ``gap``."""
    out: dict[str, float] = {}
    for signal in signals:
        if signal.z <= 0:
            continue
        key = "gap" if _is_gap(signal) else signal.aspect
        out[key] = max(out.get(key, 0.0), round(signal.score, 3))
    return out


def _is_gap(signal: Signal) -> bool:
    return signal.aspect == "network" and signal.source in ("edges", "traces")


def explains(signal: Signal) -> bool:
    """Whether ``signal`` can explain a caller's anomaly (a significant rise, see module)."""
    if signal.score < SIGNIFICANT or signal.z <= 0 or not signal.directed:
        return False
    return _is_gap(signal) or signal.aspect in _EXPLAINING


def _explained(caller: list[Signal], top: Iterable[Signal], callee: list[Signal]) -> bool:
    """Whether a callee with top signals ``top`` explains the caller.

    Time added on the way to the callee (a gap) is not in the callee's own latency, so a
    gap explains as it is — unless the caller's own resource use rose (``_saturated``); the
    callee's own rise must also account for the caller's.
    """
    strong = [s for s in top if explains(s)]
    if _fails_without_waiting(caller):
        strong = [s for s in strong if not (_is_gap(s) or s.aspect in _TIMED)]
    gap = any(_is_gap(s) for s in strong) and not _saturated(caller)
    return gap or (any(not _is_gap(s) for s in strong) and accounts_for(caller, callee))


def _fails_without_waiting(signals: list[Signal]) -> bool:
    """Whether a component's strongest signal is failing requests with no rise in its own wait.

    Time added below a caller fails its requests only through time-outs, and a caller that
    times out has waited first: its own latency rises with its errors. Without that rise, a
    slower callee does not explain the caller's errors.
    """
    top = signals[0] if signals else None
    if top is None or top.aspect != "errors" or top.z <= 0:
        return False
    return not _rose(signals, _TIMED)


def _saturated(signals: Iterable[Signal]) -> bool:
    """Whether a component's own resource use rose significantly.

    A pod starved of CPU is slow to send its calls and to read their answers, which shows as
    time between it and its callees: a gap then does not explain it, it is its consequence.
    """
    return _rose(signals, frozenset({"resource"}))


def _rose(signals: Iterable[Signal], aspects: frozenset[str]) -> bool:
    """Whether any of the signals of these aspects is a significant rise."""
    return any(s.aspect in aspects and s.z > 0 and s.score >= SIGNIFICANT for s in signals)


def accounts_for(caller: Iterable[Signal], callee: Iterable[Signal]) -> bool:
    """Whether the callee's added latency can account for the caller's (see module).

    Compared on the caller's strongest rising latency signal that the callee reports under
    the same name; without such a pair nothing contradicts the explanation.
    """
    theirs = {(s.source, s.name): s for s in callee}
    paired = [
        (mine, theirs[(mine.source, mine.name)])
        for mine in caller
        if mine.aspect in _TIMED and mine.z > 0 and (mine.source, mine.name) in theirs
    ]
    if not paired:
        return True
    mine, other = max(paired, key=lambda p: p[0].score)
    added = mine.after - mine.before
    if not added > 0:  # no measurable rise at the caller (or an unknown one): nothing to weigh
        return True
    return other.after - other.before >= ACCOUNTS_FOR * added


def _explain(
    ranked: list[Ranked], calls: set[tuple[str, str]], signals: dict[str, list[Signal]]
) -> list[Ranked]:
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
                if not _explained(signals[name], entries[callee].signals, signals[callee]):
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
