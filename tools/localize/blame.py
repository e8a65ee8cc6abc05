"""Who a set of caller/callee gaps blames: the end the slowed call edges have in common."""

from __future__ import annotations

from collections import defaultdict

# A caller is blamed for the time added on its calls only when it shows on this many callees:
# one slow edge alone is better explained by its callee.
MIN_CALLEES = 2


def _lower_median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def blame_gaps(edge_z: dict[str, float]) -> dict[str, tuple[float, str]]:
    """Who a set of per-edge gap changes blames: ``service → (z, why)``.

    The time between a caller and a callee is added at one of the two ends (or on the wire
    between them), so each edge's change is read as a caller effect plus a callee effect
    (one pass of Tukey's median polish, taken robustly):

    * a caller's effect is the (lower) median of its outgoing edges' changes, when it calls at
      least ``MIN_CALLEES`` callees — a caller starved of CPU is slower towards most of its
      callees, one slow callee moves one of its edges only;
    * a callee's effect is the weakest of its incoming edges' changes once each edge's caller
      effect is taken out: a callee that adds the time does so for every caller.

    One slow edge alone (a caller with one callee) blames its callee.
    """
    incoming: dict[str, list[tuple[str, float]]] = defaultdict(list)
    outgoing: dict[str, list[float]] = defaultdict(list)
    for key, z in edge_z.items():
        caller, callee = key.split("\0", 1)
        incoming[callee].append((caller, z))
        outgoing[caller].append(z)
    effect = {
        caller: _lower_median(zs) for caller, zs in outgoing.items() if len(zs) >= MIN_CALLEES
    }
    out: dict[str, tuple[float, str]] = {}
    for callee, edges in incoming.items():
        shares = [max(0.0, effect.get(caller, 0.0)) for caller, _ in edges]
        residual = min(z - share for (_, z), share in zip(edges, shares, strict=True))
        why = f"weakest of {len(edges)} incoming call edges"
        out[callee] = (residual, why + (", less their callers' share" if any(shares) else ""))
    for caller, own in effect.items():
        if caller not in out or own > out[caller][0]:
            out[caller] = (own, f"median of its {len(outgoing[caller])} outgoing call edges")
    return out
