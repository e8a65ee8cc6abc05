"""The store's schema as numbered migrations, one list for SQLite and PostgreSQL.

Each migration's statements are written once; ``{REAL}`` and ``{SERIAL}`` become each dialect's
type for a float and an auto-increment key. ``schema_migrations`` records what ran. Replicas
starting together migrate once: the migration transaction takes the ``schema`` lock first.
Migrations only add (tables, columns, indexes), so a replica still on the previous version keeps
working during a rolling upgrade; a database migrated by a newer version is used as it is.

Tables: ``alerts`` (one row per fingerprint + startsAt, with its group), ``events`` (webhook
event ids already seen), ``investigations`` (status, current step, the serialised
``InvestigationState`` after the last completed step, the report, its group, sender and spend,
and the lease of the replica running it), ``turns`` (every completed turn with its tool
results), ``decisions`` (approvals and rejections, one per remediation), ``audit``
(hash-chained), ``spend`` (per completed step) and ``proposals`` (for the rate limits).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from agent.hashchain import GENESIS, digest

from .database import Database, Dialect, Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema change: statements, then (where old rows need new values) a backfill."""

    version: int
    name: str
    statements: tuple[str, ...]
    backfill: Callable[[Tx], None] | None = None


_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"REAL": "REAL", "SERIAL": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgres": {
        "REAL": "DOUBLE PRECISION",
        "SERIAL": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    },
}


def audit_hash(time: float, event: str, detail_json: str, prev_hash: str) -> str:
    """The chained hash of one audit row (``agent.hashchain``'s record hash)."""
    record = {"time": time, "event": event, "detail": json.loads(detail_json)}
    return digest({**record, "prev_hash": prev_hash})


def _chain_existing_audit(tx: Tx) -> None:
    previous = GENESIS
    for row_id, time_, event, detail_json in tx.rows(
        "SELECT id, time, event, detail_json FROM audit ORDER BY id"
    ):
        current = audit_hash(time_, event, detail_json, previous)
        tx.run("UPDATE audit SET prev_hash=?, hash=? WHERE id=?", (previous, current, row_id))
        previous = current


MIGRATIONS: tuple[Migration, ...] = (
    # IF NOT EXISTS: SQLite files written before migrations existed already hold these tables.
    Migration(1, "initial tables", (
        "CREATE TABLE IF NOT EXISTS alerts (fingerprint TEXT NOT NULL, starts_at TEXT NOT NULL, "
        "source TEXT NOT NULL, status TEXT NOT NULL, alert_json TEXT NOT NULL, "
        "received_at {REAL} NOT NULL, last_seen {REAL} NOT NULL, "
        "notifications INTEGER NOT NULL DEFAULT 1, investigation_id TEXT, "
        "PRIMARY KEY (fingerprint, starts_at))",
        "CREATE TABLE IF NOT EXISTS events (source TEXT NOT NULL, event_id TEXT NOT NULL, "
        "received_at {REAL} NOT NULL, PRIMARY KEY (source, event_id))",
        "CREATE TABLE IF NOT EXISTS investigations (id TEXT PRIMARY KEY, "
        "fingerprint TEXT NOT NULL, starts_at TEXT NOT NULL, status TEXT NOT NULL, "
        "step INTEGER NOT NULL DEFAULT 0, created_at {REAL} NOT NULL, updated_at {REAL} NOT NULL, "
        "alert_json TEXT NOT NULL, state_json TEXT, report_json TEXT, report_status TEXT, "
        "error TEXT, stop_reason TEXT)",
        "CREATE INDEX IF NOT EXISTS investigations_by_fp ON investigations (fingerprint, created_at)",
        "CREATE INDEX IF NOT EXISTS investigations_by_status ON investigations (status, created_at)",
        "CREATE TABLE IF NOT EXISTS turns (investigation_id TEXT NOT NULL, idx INTEGER NOT NULL, "
        "turn_json TEXT NOT NULL, PRIMARY KEY (investigation_id, idx))",
        "CREATE TABLE IF NOT EXISTS decisions (investigation_id TEXT NOT NULL, "
        "remediation_id TEXT NOT NULL, decision TEXT NOT NULL, approver TEXT NOT NULL, "
        "decided_at TEXT NOT NULL, action_sha256 TEXT, "
        "PRIMARY KEY (investigation_id, remediation_id))",
        "CREATE TABLE IF NOT EXISTS audit (id {SERIAL}, time {REAL} NOT NULL, "
        "event TEXT NOT NULL, detail_json TEXT NOT NULL)",
    )),
    # The audit table is hash-chained; existing rows are chained in id order.
    Migration(2, "audit hash chain", (
        "ALTER TABLE audit ADD COLUMN prev_hash TEXT",
        "ALTER TABLE audit ADD COLUMN hash TEXT",
    ), _chain_existing_audit),
    # Alert groups and episodes; existing rows get the group key a payload without one gets.
    Migration(3, "alert groups", (
        "ALTER TABLE alerts ADD COLUMN group_key TEXT",
        "ALTER TABLE investigations ADD COLUMN group_key TEXT",
        "ALTER TABLE investigations ADD COLUMN sender TEXT",
        "ALTER TABLE investigations ADD COLUMN follows TEXT",
        "UPDATE alerts SET group_key='alert:' || fingerprint",
        "UPDATE investigations SET group_key='alert:' || fingerprint",
        "CREATE INDEX IF NOT EXISTS investigations_by_group "
        "ON investigations (group_key, created_at)",
        "CREATE INDEX IF NOT EXISTS alerts_by_investigation ON alerts (investigation_id)",
    )),
    # Spending: a ledger per completed step (the global ceilings) and running totals.
    Migration(4, "spend", (
        "CREATE TABLE spend (time {REAL} NOT NULL, investigation_id TEXT NOT NULL, "
        "cost_usd {REAL} NOT NULL, tokens INTEGER NOT NULL)",
        "CREATE INDEX spend_by_time ON spend (time)",
        "ALTER TABLE investigations ADD COLUMN spent_usd {REAL} NOT NULL DEFAULT 0",
        "ALTER TABLE investigations ADD COLUMN spent_tokens INTEGER NOT NULL DEFAULT 0",
    )),
    # Every executable remediation proposed, and whether the proposal rate limit withheld it.
    Migration(5, "proposals", (
        "CREATE TABLE proposals (time {REAL} NOT NULL, investigation_id TEXT NOT NULL, "
        "remediation_id TEXT NOT NULL, withheld INTEGER NOT NULL, "
        "PRIMARY KEY (investigation_id, remediation_id))",
        "CREATE INDEX proposals_by_time ON proposals (time)",
    )),
    # Work is claimed with a lease that its replica renews; an expired lease is taken over.
    # ``attempts`` counts claims, so an investigation that kills every replica is given up.
    Migration(6, "leases", (
        "ALTER TABLE investigations ADD COLUMN lease_owner TEXT",
        "ALTER TABLE investigations ADD COLUMN lease_expires {REAL}",
        "ALTER TABLE investigations ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    )),
    # The notification outbox: one row per (investigation, sink, report digest).
    Migration(7, "deliveries", (
        "CREATE TABLE IF NOT EXISTS deliveries (investigation_id TEXT NOT NULL, "
        "sink TEXT NOT NULL, digest TEXT NOT NULL, fingerprint TEXT NOT NULL, "
        "status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
        "next_attempt {REAL} NOT NULL, outcome TEXT, remote_id TEXT, url TEXT, last_error TEXT, "
        "created_at {REAL} NOT NULL, delivered_at {REAL}, "
        "PRIMARY KEY (investigation_id, sink, digest))",
        "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt)",
    )),
)  # fmt: skip
LATEST = MIGRATIONS[-1].version


def render(statement: str, dialect: Dialect) -> str:
    """The statement with this dialect's types."""
    return statement.format(**_TYPES[dialect])


def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply every migration the database lacks, in one transaction; return their versions."""

    def apply(tx: Tx) -> list[int]:
        db.lock(tx, "schema")
        tx.run(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            f"name TEXT NOT NULL, applied_at {render('{REAL}', db.dialect)} NOT NULL)"
        )
        done = {int(r[0]) for r in tx.rows("SELECT version FROM schema_migrations")}
        if not done and db.dialect == "sqlite":
            # Files of the version before this table existed counted in PRAGMA user_version.
            ((counted,),) = tx.rows("PRAGMA user_version")
            done = set(range(1, int(counted) + 1))
        applied = []
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in done:
                continue
            for statement in migration.statements:
                tx.run(render(statement, db.dialect))
            if migration.backfill is not None:
                migration.backfill(tx)
            tx.run(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                (migration.version, migration.name, time.time()),
            )
            applied.append(migration.version)
        newer = sorted(v for v in done if v > max(m.version for m in migrations))
        if newer:
            log.warning("%s has newer migrations %s than this version knows", db.description, newer)
        return applied

    return db.transaction(apply)
