"""Who a set of caller/callee gaps blames: the end every slowed call edge has in common."""

from __future__ import annotations

import math
from collections import defaultdict

# A caller is blamed for the time added on its calls only when it shows on this many callees:
# one slow edge alone is better explained by its callee.
MIN_CALLEES = 2


def blame_gaps(edge_z: dict[str, float]) -> dict[str, tuple[float, str]]:
    """Who a set of per-edge gap changes blames: ``service → (z, why)``.

    The time between a caller and a callee is added at one of the two ends (or on the wire
    between them). A callee whose every incoming edge grew is blamed with the weakest of
    those edges' z; a caller whose every outgoing edge — to at least ``MIN_CALLEES`` callees —
    grew is blamed the same way. One slow edge alone blames its callee.
    """
    incoming: dict[str, list[float]] = defaultdict(list)
    outgoing: dict[str, list[float]] = defaultdict(list)
    for key, z in edge_z.items():
        caller, callee = key.split("\0", 1)
        incoming[callee].append(z)
        outgoing[caller].append(z)
    out: dict[str, tuple[float, str]] = {}
    for callee, zs in incoming.items():
        out[callee] = (min(zs), f"weakest of {len(zs)} incoming call edges")
    for caller, zs in outgoing.items():
        if len(zs) >= MIN_CALLEES and min(zs) > out.get(caller, (-math.inf, ""))[0]:
            out[caller] = (min(zs), f"weakest of its {len(zs)} outgoing call edges")
    return out
