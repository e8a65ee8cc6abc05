"""Building blocks shared by scenarios: time helpers and the background noise of the shop."""

from __future__ import annotations

from evals.simulator.scenario import NoiseLine
from evals.simulator.timefmt import parse

__all__ = ["BACKGROUND", "at", "parse"]


def at(now: float, minutes_before: float) -> float:
    """The time ``minutes_before`` minutes before ``now``."""
    return now - minutes_before * 60.0


BACKGROUND: tuple[NoiseLine, ...] = (
    NoiseLine(
        "shipping", "WARN", "carrier rate API timeout after {ms}ms, using cached quote", 140.0
    ),
    NoiseLine("frontend", "WARN", "slow render of /product/{n}: {ms}ms", 95.0),
    NoiseLine("notifications", "INFO", "delivered batch of {n} order e-mails", 40.0),
    NoiseLine(
        "api-gateway", "WARN", "client closed connection before response: path=/api/cart", 75.0
    ),
    NoiseLine(
        "orders-db", "", "{date} UTC [{n}] LOG:  checkpoint complete: wrote {n} buffers", 300.0
    ),
)
