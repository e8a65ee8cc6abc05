"""Global spend ceilings: dollars and tokens per hour and per day, across investigations.

Each investigation has its own budget (``agent.investigation.budget``); these ceilings bound
what the server as a whole spends on the model, so an alert storm cannot turn into an
unbounded bill. Spending is recorded per completed step (``spend`` table); the windows are
sliding (the last 3,600 and 86,400 seconds).

Over a ceiling a *new* investigation either runs with the offline investigator, which costs
nothing (``over_ceiling: offline``, the default: the on-call engineer still gets a report),
or waits in the queue until the window has room (``over_ceiling: wait``). Investigations
already under way continue within their own budgets. Either way the report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from agent.config.server import ServerSettings

HOUR = 3600.0
DAY = 86400.0


class SpendLedger(Protocol):
    """Where spending is recorded (the server's store)."""

    def spent_since(self, since: float) -> tuple[float, int]:
        """Dollars and tokens spent from ``since`` (Unix time) until now."""
        ...


@dataclass(frozen=True, slots=True)
class Ceiling:
    """One limit: at most ``limit`` of ``unit`` within ``window`` seconds."""

    name: str  # "hourly" or "daily"
    window: float
    unit: Literal["usd", "tokens"]
    limit: float


def ceilings(settings: ServerSettings) -> list[Ceiling]:
    """The configured ceilings (unset ones are absent)."""
    candidates: list[tuple[str, float, Literal["usd", "tokens"], float | None]] = [
        ("hourly", HOUR, "usd", settings.spend_hourly_usd),
        ("daily", DAY, "usd", settings.spend_daily_usd),
        ("hourly", HOUR, "tokens", settings.spend_hourly_tokens),
        ("daily", DAY, "tokens", settings.spend_daily_tokens),
    ]
    return [Ceiling(n, w, u, limit) for n, w, u, limit in candidates if limit is not None]


def _amount(unit: str, value: float) -> str:
    return f"${value:.2f}" if unit == "usd" else f"{value:.0f} tokens"


class SpendGuard:
    """Decides whether a new investigation may spend, and remembers when it could not."""

    def __init__(
        self,
        ledger: SpendLedger,
        settings: ServerSettings,
        clock: Callable[[], float],
    ) -> None:
        self._ledger = ledger
        self._ceilings = ceilings(settings)
        self.mode: Literal["offline", "wait"] = settings.over_spend_ceiling
        self._clock = clock
        self.blocked_at: float | None = None  # the last time "wait" held work back

    def exceeded(self) -> str | None:
        """Which ceiling is reached, in words, or ``None``."""
        now = self._clock()
        for ceiling in self._ceilings:
            usd, tokens = self._ledger.spent_since(now - ceiling.window)
            spent = usd if ceiling.unit == "usd" else float(tokens)
            if spent >= ceiling.limit:
                return (
                    f"the {ceiling.name} spend ceiling of {_amount(ceiling.unit, ceiling.limit)} "
                    f"is reached ({_amount(ceiling.unit, spent)} in the last "
                    f"{ceiling.window / HOUR:.0f} h)"
                )
        return None

    def hold(self) -> bool:
        """``True`` when new work must wait (``wait`` mode, over a ceiling)."""
        if self.mode != "wait" or not self._ceilings:
            return False
        if self.exceeded() is None:
            return False
        self.blocked_at = self._clock()
        return True

    def offline_reason(self) -> str | None:
        """Why a new investigation must use the offline investigator, if it must."""
        return self.exceeded() if self.mode == "offline" and self._ceilings else None

    def waited_note(self, queued_at: float) -> str | None:
        """A report note when an investigation queued at ``queued_at`` waited for a ceiling."""
        if self.blocked_at is None or self.blocked_at < queued_at:
            return None
        waited = self._clock() - queued_at
        return (
            f"started {waited:.0f}s after the alert was received: it waited for the global "
            "spend ceiling (over_spend_ceiling: wait); telemetry of the alert's start may "
            "have aged out of short retention"
        )
