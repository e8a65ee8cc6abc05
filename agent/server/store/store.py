"""Durable investigations shared by the intake, the workers and the API of every replica.

One ``Store`` over a ``Database`` (SQLite or PostgreSQL, the same SQL and schema): alert intake
with group dedup and cooldowns (``admission``), the investigations the API reads, approval
decisions, spending and the hash-chained audit trail; ``store.queue`` is the work queue with
leases. Every decision that several replicas
could race on is one transaction that first locks its key (``Database.lock``): the same alert
delivered to two replicas (an Alertmanager HA pair) starts one investigation; a decision on a
remediation is recorded once (the table's key), so an approval is used once across replicas.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from agent.alerts.model import Alert
from agent.hashchain import GENESIS
from agent.report.model import Report

from ..at_rest import redact_detail
from . import admission
from .admission import Admission, Limits
from .database import Database, Row, Tx
from .migrations import audit_hash, migrate
from .queue import WorkQueue
from .rows import COLUMNS, STATUSES, InvestigationRow, Status, parse_row


class Store:
    """The server's shared state."""

    def __init__(
        self, db: Database, clock: Callable[[], float] = time.time, lease_seconds: float = 30.0
    ) -> None:
        self.db = db
        self._clock = clock
        migrate(db)
        self.queue = WorkQueue(db, clock, lease_seconds)

    @property
    def description(self) -> str:
        """Where the data lives, without credentials."""
        return self.db.description

    def close(self) -> None:
        """Release the database connections."""
        self.db.close()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        """Run one read query (``?`` placeholders) and return its rows."""
        return self.db.read(lambda tx: tx.rows(sql, params))

    # -- intake -------------------------------------------------------------------------------

    def seen_event(self, source: str, event_id: str) -> bool:
        """Record a webhook event id; ``True`` if it had been received before (a replay)."""
        inserted = self.db.transaction(
            lambda tx: tx.run(
                "INSERT INTO events VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (source, event_id, self._clock()),
            )
        )
        return inserted == 0

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
        Alertmanager's own back-pressure (a 429 would make it drop the notification). Replicas
        deciding on one group take turns (its lock). See ``agent.server.store.admission``.
        """
        now = self._clock()

        def work(tx: Tx) -> list[Admission]:
            return admission.admit(
                self.db, tx, alerts, group_key, sender, limits, now, may_create=may_create
            )

        return self.db.transaction(work)

    def resolve(self, alert: Alert) -> list[str]:
        """Mark a fingerprint resolved; return the unfinished investigations to stop."""
        return self.db.transaction(lambda tx: admission.resolve(self.db, tx, alert, self._clock()))

    def group_alerts(self, investigation_id: str) -> list[Alert]:
        """Every alert attached to an investigation (its group), in arrival order."""
        return self.db.read(lambda tx: admission.group_alerts(tx, investigation_id))

    def find_alert(self, fingerprint: str) -> Alert | None:
        """The most recent stored alert with this fingerprint."""
        rows = self.query(
            "SELECT alert_json FROM alerts WHERE fingerprint=? ORDER BY received_at DESC LIMIT 1",
            (fingerprint,),
        )
        return Alert.model_validate_json(rows[0][0]) if rows else None

    # -- API ----------------------------------------------------------------------------------

    def get(self, investigation_id: str) -> InvestigationRow | None:
        """One investigation, or ``None``."""
        rows = self.query(f"SELECT {COLUMNS} FROM investigations WHERE id=?", (investigation_id,))
        return parse_row(rows[0]) if rows else None

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
        sql = f"SELECT {COLUMNS} FROM investigations {clause} ORDER BY created_at DESC LIMIT ?"
        return [parse_row(r) for r in self.query(sql, (*params, limit))]

    def turns(self, investigation_id: str) -> list[dict[str, Any]]:
        """Every stored turn of an investigation, in order."""
        rows = self.query(
            "SELECT turn_json FROM turns WHERE investigation_id=? ORDER BY idx", (investigation_id,)
        )
        return [json.loads(r[0]) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many investigations are in each status."""
        rows = self.query("SELECT status, COUNT(*) FROM investigations GROUP BY status")
        found = {str(status): int(n) for status, n in rows}
        return {s: found.get(s, 0) for s in STATUSES}

    def spent_since(self, since: float) -> tuple[float, int]:
        """Dollars and tokens all investigations spent from ``since`` (Unix time) on."""
        ((usd, tokens),) = self.query(
            "SELECT COALESCE(SUM(cost_usd), 0), COALESCE(SUM(tokens), 0) FROM spend WHERE time>=?",
            (since,),
        )
        return float(usd), int(tokens)

    def set_status(self, investigation_id: str, status: Status, error: str | None = None) -> None:
        """Change a finished investigation's status (e.g. settled once its approvals are)."""
        self.db.transaction(
            lambda tx: tx.run(
                "UPDATE investigations SET status=?, error=COALESCE(?, error), updated_at=? "
                "WHERE id=?",
                (status, error, self._clock(), investigation_id),
            )
        )

    def replace_report(self, report: Report) -> None:
        """Replace the stored report of its investigation (the gate records outcomes in it)."""
        self.db.transaction(
            lambda tx: tx.run(
                "UPDATE investigations SET report_json=? WHERE id=?",
                (report.model_dump_json(), report.investigation_id),
            )
        )

    # -- decisions and audit ------------------------------------------------------------------

    def decide(
        self, investigation_id: str, remediation_id: str, decision: str, approver: str,
        at: datetime, action_sha256: str | None,
    ) -> bool:  # fmt: skip
        """Record the one decision on a remediation; ``False`` if one was recorded before."""
        row = (investigation_id, remediation_id, decision, approver, at.isoformat(), action_sha256)
        inserted = self.db.transaction(
            lambda tx: tx.run(
                "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", row
            )
        )
        return inserted == 1

    def decision(self, investigation_id: str, remediation_id: str) -> dict[str, Any] | None:
        """The recorded approval or rejection of a remediation, if any."""
        rows = self.query(
            "SELECT decision, approver, decided_at, action_sha256 FROM decisions "
            "WHERE investigation_id=? AND remediation_id=?",
            (investigation_id, remediation_id),
        )
        if not rows:
            return None
        decision, approver, decided_at, sha = rows[0]
        return {"decision": decision, "approver": approver, "at": decided_at, "sha256": sha}

    def audit(self, event: str, **detail: Any) -> None:
        """Append one audit record (webhook refusals, decisions), redacted and hash-chained.

        Appends take the ``audit`` lock, so replicas extend one chain instead of forking it.
        """
        detail_json = json.dumps(redact_detail(detail), sort_keys=True)

        def append(tx: Tx) -> None:
            self.db.lock(tx, "audit")
            last = tx.one("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
            previous = str(last[0]) if last else GENESIS
            now = self._clock()
            tx.run(
                "INSERT INTO audit (time, event, detail_json, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?)",
                (now, event, detail_json, previous, audit_hash(now, event, detail_json, previous)),
            )

        self.db.transaction(append)

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
