"""Helpers of the store tests: stores as replicas on one database, alerts, states, a clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from agent.alerts.model import Alert, alert_from_alertmanager
from agent.investigation.state import InvestigationState, Turn
from agent.report.model import AlertRef, Report
from agent.server.store import Admission, Limits, Store
from agent.server.store.database import Database

T = TypeVar("T")
STARTS = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A settable wall clock (seconds), shared by the replicas of one test."""

    def __init__(self, now: float = 1_714_564_800.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Backend:
    """Opens ``Store`` instances — one per simulated replica — on the same database."""

    def __init__(self, kind: str, connect: Callable[[], Database]) -> None:
        self.kind = kind
        self._connect = connect
        self._opened: list[Store] = []

    def open(self, clock: Callable[[], float] | None = None, lease_seconds: float = 30.0) -> Store:
        store = Store(self._connect(), clock or Clock(), lease_seconds)
        self._opened.append(store)
        return store

    def close(self) -> None:
        for store in self._opened:
            store.close()


def alert(name: str = "CheckoutHighErrorRate", starts: datetime = STARTS, **labels: str) -> Alert:
    return alert_from_alertmanager(
        {
            "status": "firing",
            "labels": {"alertname": name, "namespace": "shop", **labels},
            "annotations": {"summary": f"{name} is firing"},
            "startsAt": starts.isoformat().replace("+00:00", "Z"),
            "endsAt": "0001-01-01T00:00:00Z",
        }
    )


def admit(store: Store, one: Alert, cooldown: float = 3600, queue_bound: int = 1000) -> Admission:
    """Admit one alert as its own group (a payload without a group key)."""
    limits = Limits(cooldown, queue_bound, queue_bound)
    (admission,) = store.admit([one], f"alert:{one.fingerprint}", "test:sender", limits)
    return admission


def later(minutes: int) -> datetime:
    return STARTS + timedelta(minutes=minutes)


def state_with_turns(investigation_id: str, of: Alert, turns: int) -> InvestigationState:
    state = InvestigationState(id=investigation_id, alert=of, brain="fake", started_at=STARTS)
    for index in range(turns):
        state.turns.append(Turn(index=index, text=f"turn {index}"))
    state.usage.steps = turns
    return state


def report(investigation_id: str, of: Alert, status: str = "complete") -> Report:
    return Report(
        investigation_id=investigation_id,
        alert=AlertRef(fingerprint=of.fingerprint, name=of.name),
        status=status,  # type: ignore[arg-type]
        brain="fake",
        started_at=STARTS,
        finished_at=STARTS,
    )


def at_once(work: list[Callable[[], T]]) -> list[T]:
    """Run every callable in its own thread, released together; results in order."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work[index]()
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
