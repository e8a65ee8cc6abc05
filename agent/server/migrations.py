"""The server database's schema, as numbered migrations (``PRAGMA user_version``).

Each migration is a list of SQL statements plus, where old rows need new values, a backfill
function; ``migrate`` applies the ones a database has not seen, in order, in one transaction
each. Another store (PostgreSQL) ports the same numbered steps.

1. The base tables (see ``agent.server.store``).
2. The audit table is hash-chained: ``prev_hash`` and ``hash`` columns; existing rows are
   chained in id order.
3. Alert groups and episodes: ``alerts.group_key``; ``investigations.group_key``, ``sender``
   (fair queueing) and ``follows`` (the previous episode's investigation). Existing rows get
   the group key ``alert:<fingerprint>``, what a payload without a group key gets.
4. Spending: a ``spend`` ledger (dollars and tokens per completed step, for the global
   ceilings) and each investigation's running totals.
5. Proposals: every executable remediation proposed, and whether the server-wide proposal
   rate limit withheld it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.hashchain import GENESIS, digest

_BASE = [
    """CREATE TABLE IF NOT EXISTS alerts (
    fingerprint TEXT NOT NULL, starts_at TEXT NOT NULL, source TEXT NOT NULL,
    status TEXT NOT NULL, alert_json TEXT NOT NULL, received_at REAL NOT NULL,
    last_seen REAL NOT NULL, notifications INTEGER NOT NULL DEFAULT 1,
    investigation_id TEXT, PRIMARY KEY (fingerprint, starts_at))""",
    """CREATE TABLE IF NOT EXISTS events (
    source TEXT NOT NULL, event_id TEXT NOT NULL, received_at REAL NOT NULL,
    PRIMARY KEY (source, event_id))""",
    """CREATE TABLE IF NOT EXISTS investigations (
    id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, starts_at TEXT NOT NULL,
    status TEXT NOT NULL, step INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL,
    updated_at REAL NOT NULL, alert_json TEXT NOT NULL, state_json TEXT,
    report_json TEXT, report_status TEXT, error TEXT, stop_reason TEXT)""",
    "CREATE INDEX IF NOT EXISTS investigations_by_fp ON investigations (fingerprint, created_at)",
    "CREATE INDEX IF NOT EXISTS investigations_by_status ON investigations (status, created_at)",
    """CREATE TABLE IF NOT EXISTS turns (
    investigation_id TEXT NOT NULL, idx INTEGER NOT NULL, turn_json TEXT NOT NULL,
    PRIMARY KEY (investigation_id, idx))""",
    """CREATE TABLE IF NOT EXISTS decisions (
    investigation_id TEXT NOT NULL, remediation_id TEXT NOT NULL, decision TEXT NOT NULL,
    approver TEXT NOT NULL, decided_at TEXT NOT NULL, action_sha256 TEXT,
    PRIMARY KEY (investigation_id, remediation_id))""",
    """CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, event TEXT NOT NULL,
    detail_json TEXT NOT NULL)""",
]


def audit_hash(time: float, event: str, detail_json: str, prev_hash: str) -> str:
    """The chained hash of one audit row (``agent.hashchain``'s record hash)."""
    record = {"time": time, "event": event, "detail": json.loads(detail_json)}
    return digest({**record, "prev_hash": prev_hash})


def _chain_existing_audit(db: sqlite3.Connection) -> None:
    previous = GENESIS
    rows = db.execute("SELECT id, time, event, detail_json FROM audit ORDER BY id").fetchall()
    for row_id, time, event, detail_json in rows:
        current = audit_hash(time, event, detail_json, previous)
        db.execute("UPDATE audit SET prev_hash=?, hash=? WHERE id=?", (previous, current, row_id))
        previous = current


@dataclass(frozen=True)
class Migration:
    """One schema step."""

    version: int
    statements: list[str]
    backfill: Callable[[sqlite3.Connection], None] | None = field(default=None)


MIGRATIONS = [
    Migration(1, _BASE),
    Migration(
        2,
        ["ALTER TABLE audit ADD COLUMN prev_hash TEXT", "ALTER TABLE audit ADD COLUMN hash TEXT"],
        _chain_existing_audit,
    ),
    Migration(
        3,
        [
            "ALTER TABLE alerts ADD COLUMN group_key TEXT",
            "ALTER TABLE investigations ADD COLUMN group_key TEXT",
            "ALTER TABLE investigations ADD COLUMN sender TEXT",
            "ALTER TABLE investigations ADD COLUMN follows TEXT",
            "UPDATE alerts SET group_key='alert:' || fingerprint",
            "UPDATE investigations SET group_key='alert:' || fingerprint",
            "CREATE INDEX IF NOT EXISTS investigations_by_group "
            "ON investigations (group_key, created_at)",
            "CREATE INDEX IF NOT EXISTS alerts_by_investigation ON alerts (investigation_id)",
        ],
    ),
    Migration(
        4,
        [
            "CREATE TABLE spend (time REAL NOT NULL, investigation_id TEXT NOT NULL, "
            "cost_usd REAL NOT NULL, tokens INTEGER NOT NULL)",
            "CREATE INDEX spend_by_time ON spend (time)",
            "ALTER TABLE investigations ADD COLUMN spent_usd REAL NOT NULL DEFAULT 0",
            "ALTER TABLE investigations ADD COLUMN spent_tokens INTEGER NOT NULL DEFAULT 0",
        ],
    ),
    Migration(
        5,
        [
            "CREATE TABLE proposals (time REAL NOT NULL, investigation_id TEXT NOT NULL, "
            "remediation_id TEXT NOT NULL, withheld INTEGER NOT NULL, "
            "PRIMARY KEY (investigation_id, remediation_id))",
            "CREATE INDEX proposals_by_time ON proposals (time)",
        ],
    ),
]
LATEST = MIGRATIONS[-1].version


def migrate(db: sqlite3.Connection) -> list[int]:
    """Apply the migrations ``db`` has not seen; return their versions.

    ``db`` must be in autocommit mode (``isolation_level=None``): each step is one explicit
    transaction, so a crash leaves the database at a whole version.
    """
    applied: list[int] = []
    for migration in MIGRATIONS:
        db.execute("BEGIN IMMEDIATE")
        # Read inside the write lock: another process may have migrated meanwhile.
        if version(db) >= migration.version:
            db.execute("ROLLBACK")
            continue
        try:
            for statement in migration.statements:
                db.execute(statement)
            if migration.backfill is not None:
                migration.backfill(db)
            db.execute(f"PRAGMA user_version={migration.version:d}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        applied.append(migration.version)
    return applied


def version(db: sqlite3.Connection) -> int:
    """The schema version of ``db``."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])
