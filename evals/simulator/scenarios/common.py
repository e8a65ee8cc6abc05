"""Building blocks shared by scenarios: time helpers and the background noise of the shop."""

from __future__ import annotations

from evals.simulator.scenario import AlertRule, NoiseLine
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


def error_ratio_alert(service: str, threshold: float) -> AlertRule:
    """The shop's standard 5xx-ratio alert on ``service`` (namespace shop)."""
    percent = f"{threshold * 100:g}%"
    return AlertRule(
        "HTTPErrorRatioHigh",
        "error_ratio",
        service,
        threshold,
        summary=f"{service} is returning 5xx for more than {percent} of requests",
        description=f"More than {percent} of requests to {service} in namespace shop failed "
        "with a 5xx status over the last 5 minutes.",
        runbook="https://runbooks.shop.example/alerts/HTTPErrorRatioHigh",
    )
