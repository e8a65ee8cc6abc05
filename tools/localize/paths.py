"""Code-path shifts: which operations started (or stopped) taking paths of calls.

A code path that changed — an exception thrown half-way, a branch taken on a wrong result —
changes *which* downstream calls an operation makes, even when no span carries an error status
and no latency moves (Nezha, FSE'23: faults shift the patterns of events in a trace). A span's
path is the set of distinct operations it called; how many times each was called follows the
request's content (the items in a cart), so it is left out.

The shift is a binomial test against what the baseline itself predicts. Before the onset, the
share of spans taking a path never seen elsewhere is estimated by Good–Turing (the share of
spans whose path occurs exactly once); after the onset, the share of spans taking a path
unseen before is compared with it. Small samples cannot score high: the test's spread is that
of a few draws.

The same test with the sides swapped finds paths that stopped: a shift in the mix of paths
(one branch now taken by most requests, another no longer) counts too. Such a shift also
follows changed *requests* — a caller that stops sending a field sends its callee down its
other branch — so it counts only for operations no other service calls (the entry points,
whose requests come from outside); and a path shift is not directed (``Signal.directed``):
it explains no caller.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tools.summarise.spans import Span, children

Path = tuple[str, ...]
# Scores are capped like every robust z of the ranking.
_CAP = 10.0


def call_paths(spans: Sequence[Span]) -> dict[str, list[Path]]:
    """Per operation ``service + NUL + span name``, the path (distinct callees) of each span."""
    tree = children(spans)
    out: dict[str, list[Path]] = defaultdict(list)
    for span in spans:
        called = {f"{c.service}/{c.name}" for c in tree.get(span.span_id, [])}
        out[f"{span.service}\0{span.name}"].append(tuple(sorted(called)))
    return out


@dataclass(frozen=True, slots=True)
class Shift:
    """One direction's test: the expected share of unseen paths, the observed one, the z."""

    z: float
    expected: float
    observed: float
    started: bool  # True: new paths appeared after the onset; False: baseline paths stopped


def _novel(reference: Sequence[Path], sample: Sequence[Path], started: bool) -> Shift:
    """How far ``sample``'s share of paths absent from ``reference`` exceeds chance."""
    seen = Counter(reference)
    singletons = sum(1 for count in seen.values() if count == 1)
    expected = max(singletons, 1) / (len(reference) + 1)  # Good–Turing, never zero
    novel = sum(1 for path in sample if path not in seen)
    n = len(sample)
    spread = math.sqrt(n * expected * (1 - expected))
    z = (novel - n * expected) / spread if spread > 0 else 0.0
    return Shift(max(-_CAP, min(_CAP, z)), expected, novel / n, started)


def path_shift(before: Sequence[Path], after: Sequence[Path], *, mix: bool = True) -> Shift:
    """The stronger of "new paths started" and (with ``mix``) "baseline paths stopped"."""
    if not before or not after:
        return Shift(0.0, 0.0, 0.0, True)
    started = _novel(before, after, True)
    return max(started, _novel(after, before, False), key=lambda s: s.z) if mix else started


def remote_operations(traces: Sequence[Sequence[Span]]) -> set[str]:
    """Operations (``service + NUL + span name``) run for another service's call.

    A span is run for a call when the span its service was entered by (its nearest ancestor
    whose parent is another service's, or itself) has a parent: its mix of paths then follows
    its callers' requests, so only new paths count for it.
    """
    out: set[str] = set()
    for spans in traces:
        by_id = {s.span_id: s for s in spans}
        for span in spans:
            entry, hops = span, 0
            while (up := by_id.get(entry.parent_id)) is not None and up.service == span.service:
                entry, hops = up, hops + 1
                if hops > len(spans):  # a cycle in malformed data
                    break
            if entry.parent_id in by_id:
                out.add(f"{span.service}\0{span.name}")
    return out


def _answered_by(child: Span, tree: Mapping[str, Sequence[Span]]) -> str:
    """Who answered a span's last call: the callee of a client span, else its own service."""
    callees = (c.service for c in tree.get(child.span_id, []) if c.service != child.service)
    return next(callees, child.service)


def known_paths(pooled: Mapping[str, Sequence[Path]], at_least: int = 1) -> dict[str, set[Path]]:
    """Per operation, the paths taken at least ``at_least`` times in ``pooled``."""
    counted = {key: Counter(paths) for key, paths in pooled.items()}
    return {k: {p for p, n in c.items() if n >= at_least} for k, c in counted.items()}


def break_offs(spans: Sequence[Span], known: dict[str, set[Path]]) -> set[str]:
    """Services after whose answer a span of this trace took a path not in ``known``.

    A request that broke off — an exception thrown, a branch taken on a wrong result — ends
    its new path with the last call it made before stopping. The component that answered that
    call (or the span's own service, when its last child is its own work) is where the new
    path began: the answer was wrong, or the code that read it failed.
    """
    tree = children(spans)
    out: set[str] = set()
    for span in spans:
        called = tree.get(span.span_id, [])
        key = f"{span.service}\0{span.name}"
        if key not in known:
            continue
        if tuple(sorted({f"{c.service}/{c.name}" for c in called})) in known[key]:
            continue
        if not called:  # broke off before its first call: its own code
            out.add(span.service)
            continue
        last = max(called, key=lambda c: (c.start_ns, c.span_id))
        out.add(_answered_by(last, tree))
    return out
