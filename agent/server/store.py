"""Durable investigations: one SQLite file (WAL) shared by the intake, the workers and the API.

Tables (created and evolved by ``agent.server.migrations``): ``alerts`` (one row per fingerprint + startsAt), ``events`` (webhook event ids already
seen), ``investigations`` (status, current step, the serialised ``InvestigationState`` after
the last completed step, the report), ``turns`` (every completed turn with its tool results),
``decisions`` (approvals and rejections, one per remediation) and ``audit`` (hash-chained as
the JSONL audit logs are, see ``audit_problems``).

One connection guarded by a lock: SQLite serialises writers anyway, and one connection keeps
WAL checkpoints and transactions simple. ``synchronous=FULL`` makes every commit durable before
the webhook's 2xx, even across a power cut.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agent.alerts.model import Alert
from agent.hashchain import GENESIS
from agent.investigation.state import InvestigationState
from agent.report.model import Report

from . import admission, rate_limits
from .admission import Admission, Limits
from .at_rest import redact_detail
from .migrations import audit_hash, migrate
from .rate_limits import RateLimit

__all__ = ["Admission", "InvestigationRow", "Limits", "Status", "Store"]

Status = Literal["queued", "running", "awaiting_approval", "done", "failed"]
STATUSES: tuple[Status, ...] = ("queued", "running", "awaiting_approval", "done", "failed")


@dataclass(frozen=True, slots=True)
class InvestigationRow:
    """One stored investigation, as the API and the workers see it."""

    id: str
    fingerprint: str
    starts_at: str
    status: Status
    step: int
    created_at: float
    updated_at: float
    alert: Alert
    state: InvestigationState | None
    report: Report | None
    error: str | None
    stop_reason: str | None
    follows: str | None = None  # the investigation of the group's previous episode

    def summary(self) -> dict[str, Any]:
        """The JSON the list endpoint returns for this investigation."""
        return {
            "id": self.id,
            "alert": self.fingerprint,
            "alertname": self.alert.name,
            "status": self.status,
            "step": self.step,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "report_status": self.report.status if self.report else None,
            "error": self.error,
            "stop_reason": self.stop_reason,
            "follows": self.follows,
        }


class Store:
    """The server's SQLite database."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below).
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        migrate(self._db)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on success and rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one read query and return its rows."""
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    # -- intake -------------------------------------------------------------------------------

    def seen_event(self, source: str, event_id: str) -> bool:
        """Record a webhook event id; ``True`` if it had been received before (a replay)."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?)", (source, event_id, self._clock())
            )
            return cursor.rowcount == 0

    def admit(
        self,
        alerts: list[Alert],
        group_key: str,
        sender: str,
        limits: Limits,
        *,
        may_create: bool = True,
    ) -> list[Admission]:
        """Store one group's firing alerts and find or create its investigation, atomically.

        The same (fingerprint, startsAt) — an HA peer or a periodic re-send — is a duplicate;
        a group investigated within the cooldown gets the new alerts attached, unless its
        episode ended (every alert resolved). A full queue (overall or for this sender)
        stores the alerts without an investigation: the next re-send retries, which is
        Alertmanager's own back-pressure (a 429 would make it drop the notification). See
        ``agent.server.admission``.
        """
        with self.transaction() as db:
            return admission.admit(
                db, alerts, group_key, sender, limits, self._clock(), may_create=may_create
            )

    def resolve(self, alert: Alert) -> list[str]:
        """Mark a fingerprint resolved; return the unfinished investigations to stop."""
        with self.transaction() as db:
            return admission.resolve(db, alert, self._clock())

    def group_alerts(self, investigation_id: str) -> list[Alert]:
        """Every alert attached to an investigation (its group), in arrival order."""
        with self._lock:
            return admission.group_alerts(self._db, investigation_id)

    def find_alert(self, fingerprint: str) -> Alert | None:
        """The most recent stored alert with this fingerprint."""
        rows = self.query(
            "SELECT alert_json FROM alerts WHERE fingerprint=? ORDER BY received_at DESC LIMIT 1",
            (fingerprint,),
        )
        return Alert.model_validate_json(rows[0][0]) if rows else None

    # -- workers ------------------------------------------------------------------------------

    def requeue_interrupted(self) -> list[str]:
        """After a restart: running investigations go back to the queue (state is kept)."""
        with self.transaction() as db:
            ids = [
                str(r[0])
                for r in db.execute("SELECT id FROM investigations WHERE status='running'")
            ]
            db.execute("UPDATE investigations SET status='queued' WHERE status='running'")
            return ids

    def claim_next(self) -> InvestigationRow | None:
        """Move the next queued investigation (fair across senders) to running and return it."""
        with self.transaction() as db:
            claimed = admission.next_queued(db)
            if claimed is None:
                return None
            db.execute(
                "UPDATE investigations SET status='running', updated_at=? WHERE id=?",
                (self._clock(), claimed),
            )
        return self.get(claimed)

    def save_step(self, state: InvestigationState) -> None:
        """Persist the state after a completed step, the turns not yet stored, and its spend."""
        with self.transaction() as db:
            (stored,) = db.execute(
                "SELECT COUNT(*) FROM turns WHERE investigation_id=?", (state.id,)
            ).fetchone()
            db.executemany(
                "INSERT INTO turns VALUES (?, ?, ?)",
                [(state.id, t.index, t.model_dump_json()) for t in state.turns[stored:]],
            )
            now = self._clock()
            usd, tokens = state.usage.cost_usd, state.usage.total_tokens
            (spent_usd, spent_tokens) = db.execute(
                "SELECT spent_usd, spent_tokens FROM investigations WHERE id=?", (state.id,)
            ).fetchone() or (0.0, 0)
            if usd > spent_usd or tokens > spent_tokens:
                db.execute(
                    "INSERT INTO spend VALUES (?, ?, ?, ?)",
                    (now, state.id, max(0.0, usd - spent_usd), max(0, tokens - spent_tokens)),
                )
            db.execute(
                "UPDATE investigations SET state_json=?, step=?, updated_at=?, spent_usd=?, "
                "spent_tokens=? WHERE id=?",
                (state.model_dump_json(), state.usage.steps, now, max(usd, spent_usd),
                 max(tokens, spent_tokens), state.id),
            )  # fmt: skip

    def spent_since(self, since: float) -> tuple[float, int]:
        """Dollars and tokens all investigations spent from ``since`` (Unix time) on."""
        ((usd, tokens),) = self.query(
            "SELECT COALESCE(SUM(cost_usd), 0), COALESCE(SUM(tokens), 0) FROM spend WHERE time>=?",
            (since,),
        )
        return float(usd), int(tokens)

    def finish(
        self, investigation_id: str, report: Report, proposals: RateLimit | None = None
    ) -> Status:
        """Store the final report; the status follows from it.

        Its executable proposals count against the server-wide ``proposals`` limit; over it
        they are withheld (see ``agent.server.rate_limits``) and the investigation is done.
        """
        with self.transaction() as db:
            report = rate_limits.record_proposals(db, report, proposals, self._clock())
            status: Status = "failed" if report.status == "failed" else "done"
            open_proposals = [
                r
                for r in report.remediations
                if r.action != "manual" and not rate_limits.withheld(db, investigation_id, r.id)
            ]
            if status == "done" and open_proposals:
                status = "awaiting_approval"
            db.execute(
                "UPDATE investigations SET status=?, report_json=?, report_status=?, "
                "updated_at=? WHERE id=?",
                (status, report.model_dump_json(), report.status, self._clock(), investigation_id),
            )
        return status

    def fail(self, investigation_id: str, error: str) -> None:
        """Mark an investigation failed with the reason."""
        self.set_status(investigation_id, "failed", error=error)

    def set_status(self, investigation_id: str, status: Status, error: str | None = None) -> None:
        """Change an investigation's status."""
        with self.transaction() as db:
            db.execute(
                "UPDATE investigations SET status=?, error=COALESCE(?, error), updated_at=? "
                "WHERE id=?",
                (status, error, self._clock(), investigation_id),
            )

    def stop_reason(self, investigation_id: str) -> str | None:
        """Why the investigation should stop now (its alert resolved), if it should."""
        rows = self.query("SELECT stop_reason FROM investigations WHERE id=?", (investigation_id,))
        return str(rows[0][0]) if rows and rows[0][0] else None

    # -- API ----------------------------------------------------------------------------------

    def get(self, investigation_id: str) -> InvestigationRow | None:
        """One investigation, or ``None``."""
        rows = self.query(f"SELECT {_COLUMNS} FROM investigations WHERE id=?", (investigation_id,))
        return _row(rows[0]) if rows else None

    def search(
        self, status: str | None = None, fingerprint: str | None = None, limit: int = 100
    ) -> list[InvestigationRow]:
        """Investigations, newest first, optionally filtered."""
        where, params = [], []
        if status:
            where.append("status=?")
            params.append(status)
        if fingerprint:
            where.append("fingerprint=?")
            params.append(fingerprint)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {_COLUMNS} FROM investigations {clause} ORDER BY created_at DESC LIMIT ?"
        return [_row(r) for r in self.query(sql, (*params, limit))]

    def turns(self, investigation_id: str) -> list[dict[str, Any]]:
        """Every stored turn of an investigation, in order."""
        rows = self.query(
            "SELECT turn_json FROM turns WHERE investigation_id=? ORDER BY idx", (investigation_id,)
        )
        return [json.loads(r[0]) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many investigations are in each status."""
        found = dict(self.query("SELECT status, COUNT(*) FROM investigations GROUP BY status"))
        return {s: int(found.get(s, 0)) for s in STATUSES}

    def audit(self, event: str, **detail: Any) -> None:
        """Append one audit record (webhook refusals, decisions), redacted and hash-chained."""
        detail_json = json.dumps(redact_detail(detail), sort_keys=True)
        with self.transaction() as db:
            last = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            previous = str(last[0]) if last else GENESIS
            now = self._clock()
            db.execute(
                "INSERT INTO audit (time, event, detail_json, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?)",
                (now, event, detail_json, previous, audit_hash(now, event, detail_json, previous)),
            )

    def audit_problems(self) -> list[str]:
        """What breaks the audit table's hash chain (empty when intact), row by row."""
        problems: list[str] = []
        previous = GENESIS
        rows = self.query(
            "SELECT id, time, event, detail_json, prev_hash, hash FROM audit ORDER BY id"
        )
        for row_id, time_, event, detail_json, prev_hash, stored in rows:
            if prev_hash != previous:
                problems.append(f"audit row {row_id}: does not follow the previous row")
            try:
                expected = audit_hash(time_, event, detail_json, str(prev_hash))
            except ValueError:
                expected = ""
            if stored != expected:
                problems.append(f"audit row {row_id}: content does not match its hash")
            previous = str(stored)
        return problems

    def audit_records(self, event: str | None = None) -> list[dict[str, Any]]:
        """Audit records, oldest first."""
        sql = "SELECT time, event, detail_json FROM audit"
        rows = (
            self.query(sql + " WHERE event=? ORDER BY id", (event,))
            if event
            else self.query(sql + " ORDER BY id")
        )
        return [{"time": t, "event": e, **json.loads(d)} for t, e, d in rows]


_COLUMNS = (
    "id, fingerprint, starts_at, status, step, created_at, updated_at, alert_json, state_json, "
    "report_json, error, stop_reason, follows"
)


def _row(r: tuple[Any, ...]) -> InvestigationRow:
    return InvestigationRow(
        id=r[0],
        fingerprint=r[1],
        starts_at=r[2],
        status=r[3],
        step=int(r[4]),
        created_at=float(r[5]),
        updated_at=float(r[6]),
        alert=Alert.model_validate_json(r[7]),
        state=InvestigationState.model_validate_json(r[8]) if r[8] else None,
        report=Report.model_validate_json(r[9]) if r[9] else None,
        error=r[10],
        stop_reason=r[11],
        follows=r[12],
    )
