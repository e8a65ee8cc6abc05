"""The outbox: every delivery is a row first, then a post; a restart never posts twice.

``deliveries`` (in the server's SQLite file) holds one row per investigation, sink and report
digest — inserting the same one again is a no-op, so an unchanged report is delivered once
however often it is finished. One thread sends the due rows in order. A sink that fails is
retried with exponential backoff (no sooner than its ``Retry-After``), shown as ``pending``
meanwhile, and ``failed`` only after ``max_attempts`` or a permanent refusal; an investigation
never fails because of a sink. The first delivered post of an alert (per sink) is the
conversation's root: later deliveries for that alert thread under it or edit it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent.alerts.model import Alert
from agent.errors import DeliveryFailed
from agent.report.model import Report

from .message import compose, report_digest
from .settings import NotifySettings
from .sink import Sink

if TYPE_CHECKING:
    from agent.server.store import Store

log = logging.getLogger(__name__)

_COLUMNS = (
    "investigation_id, sink, digest, fingerprint, status, attempts, next_attempt, outcome, "
    "remote_id, url, last_error, created_at, delivered_at"
)
_IDLE_SECONDS = 1.0


class Outbox:
    """Durable, retried delivery of reports to every configured sink."""

    def __init__(
        self,
        store: Store,
        sinks: list[Sink],
        settings: NotifySettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._sinks = {sink.name: sink for sink in sinks}
        self._settings = settings
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def sinks(self) -> list[Sink]:
        """Every sink, in configuration order."""
        return list(self._sinks.values())

    def enqueue(self, investigation_id: str, alert: Alert, report: Report) -> None:
        """Queue ``report`` for every sink; a report already queued is not queued again."""
        now = self._clock()
        digest = report_digest(report)
        rows = [
            (investigation_id, name, digest, alert.fingerprint, now, now) for name in self._sinks
        ]
        self._store.db.transaction(
            lambda tx: tx.run_many(
                "INSERT INTO deliveries (investigation_id, sink, digest, fingerprint, status, "
                "next_attempt, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?) "
                "ON CONFLICT DO NOTHING",
                rows,
            )
        )
        self._wake.set()

    def records(self, investigation_id: str) -> list[dict[str, Any]]:
        """Every delivery of one investigation (sink, status, outcome, remote id, times)."""
        rows = self._store.query(
            f"SELECT {_COLUMNS} FROM deliveries WHERE investigation_id=? ORDER BY created_at, sink",
            (investigation_id,),
        )
        return [_record(r) for r in rows]

    def counts(self) -> dict[tuple[str, str], int]:
        """Deliveries by (sink, status), for ``/metrics``."""
        rows = self._store.query(
            "SELECT sink, status, COUNT(*) FROM deliveries GROUP BY sink, status"
        )
        return {(str(sink), str(status)): int(n) for sink, status, n in rows}

    def root(self, sink: str, fingerprint: str) -> str | None:
        """The remote id of the first post about this alert on ``sink``, if delivered."""
        rows = self._store.query(
            "SELECT remote_id FROM deliveries WHERE sink=? AND fingerprint=? AND "
            "status='delivered' AND outcome='posted' ORDER BY delivered_at LIMIT 1",
            (sink, fingerprint),
        )
        return str(rows[0][0]) if rows else None

    def root_of(self, sink: str, investigation_id: str) -> str | None:
        """The conversation root for the alert of ``investigation_id`` on ``sink``."""
        rows = self._store.query(
            "SELECT fingerprint FROM deliveries WHERE investigation_id=? LIMIT 1",
            (investigation_id,),
        )
        return self.root(sink, str(rows[0][0])) if rows else None

    def run_due(self) -> int:
        """Attempt every delivery that is due, oldest first; how many were attempted.

        One pass at a time across replicas (a lock held in the database), so two replicas
        never post the same delivery.
        """
        with self._store.db.hold("outbox"):
            rows = self._store.query(
                f"SELECT {_COLUMNS} FROM deliveries WHERE status='pending' AND next_attempt<=? "
                "ORDER BY created_at, sink",
                (self._clock(),),
            )
            attempted = 0
            for row in rows:
                record = _record(row)
                if self._earlier_pending(record):
                    continue  # the alert's first post must land before its updates
                self._attempt(record)
                attempted += 1
            return attempted

    def _earlier_pending(self, record: dict[str, Any]) -> bool:
        rows = self._store.query(
            "SELECT 1 FROM deliveries WHERE sink=? AND fingerprint=? AND status='pending' "
            "AND created_at<? LIMIT 1",
            (record["sink"], record["fingerprint"], record["created_at"]),
        )
        return bool(rows)

    def _attempt(self, record: dict[str, Any]) -> None:
        key = (record["investigation_id"], record["sink"], record["digest"])
        row = self._store.get(record["investigation_id"])
        sink = self._sinks.get(record["sink"])
        if row is None or row.report is None or sink is None:
            self._settle(key, "failed", error="investigation, report or sink no longer exists")
            return
        if report_digest(row.report) != record["digest"]:
            self._settle(key, "superseded", error="a newer report replaced this one")
            return
        message = compose(row.report, row.alert, public_url=self._settings.public_url)
        try:
            delivered = sink.deliver(message, self.root(record["sink"], record["fingerprint"]))
        except DeliveryFailed as exc:
            self._retry(key, record["attempts"] + 1, exc)
            return
        except Exception as exc:  # a broken sink must not stop the outbox (or the others)
            log.exception("notification sink %s failed unexpectedly", record["sink"])
            self._retry(key, record["attempts"] + 1, DeliveryFailed(
                f"{record['sink']}: {type(exc).__name__}", retryable=True))  # fmt: skip
            return
        self._settle(
            key, "delivered", outcome=delivered.outcome, remote_id=delivered.remote_id,
            url=delivered.url, attempts=record["attempts"] + 1,
        )  # fmt: skip
        self._store.audit("notification_delivered", investigation_id=key[0], sink=key[1],
                          outcome=delivered.outcome, remote_id=delivered.remote_id)  # fmt: skip

    def _retry(self, key: tuple[str, str, str], attempts: int, exc: DeliveryFailed) -> None:
        settings = self._settings
        if not exc.retryable or attempts >= settings.max_attempts:
            log.warning("notification to %s failed for good: %s", key[1], exc)
            self._settle(key, "failed", error=str(exc), attempts=attempts)
            return
        backoff = min(settings.retry_base_seconds * 2 ** (attempts - 1), settings.retry_max_seconds)
        delay = max(backoff, exc.retry_after or 0.0)
        log.info("notification to %s pending (attempt %d): %s", key[1], attempts, exc)
        self._settle(key, "pending", error=str(exc), attempts=attempts,
                     next_attempt=self._clock() + delay)  # fmt: skip

    def _settle(self, key: tuple[str, str, str], status: str, **values: Any) -> None:
        now = self._clock()
        fields = {"status": status, "last_error": values.pop("error", None), **values}
        if status == "delivered":
            fields["delivered_at"] = now
        assignments = ", ".join(f"{name}=?" for name in fields)
        self._store.db.transaction(
            lambda tx: tx.run(
                f"UPDATE deliveries SET {assignments} WHERE investigation_id=? AND sink=? "
                "AND digest=?",
                (*fields.values(), *key),
            )
        )

    # -- the thread ---------------------------------------------------------------------------

    def start(self) -> Outbox:
        """Start sending in the background (pending rows from before a restart included)."""
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread; pending deliveries stay queued for the next start."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_due()
            except Exception:  # the database is busy or gone; try again on the next tick
                log.exception("outbox pass failed")
            self._wake.wait(_IDLE_SECONDS)
            self._wake.clear()


def _record(r: tuple[Any, ...]) -> dict[str, Any]:
    names = [c.strip() for c in _COLUMNS.split(",")]
    return dict(zip(names, r, strict=True))
