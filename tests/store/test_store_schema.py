"""Migrations on both backends, the upgrade of a pre-migration SQLite file, and configuration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from store_fakes import Backend, alert, at_once

from agent.config.load import load_settings
from agent.errors import ConfigError, StoreUnavailable
from agent.server.store import Store, open_store
from agent.server.store.migrations import MIGRATIONS, migrate
from agent.server.store.postgres import describe
from agent.server.store.sqlite import SqliteDatabase


def test_migrations_run_once_and_record_what_ran(backend: Backend) -> None:
    store = backend.open()
    versions = [m.version for m in MIGRATIONS]
    assert [
        r[0] for r in store.query("SELECT version FROM schema_migrations ORDER BY version")
    ] == versions
    assert migrate(store.db) == []
    assert backend.open().counts()["queued"] == 0  # a second replica finds the schema ready


def test_replicas_starting_together_migrate_once(backend: Backend) -> None:
    # The fixture's database is fresh: four replicas race to create the schema.
    stores = at_once([backend.open for _ in range(4)])
    assert stores[0].query("SELECT COUNT(*) FROM schema_migrations") == [(len(MIGRATIONS),)]


_BEFORE_MIGRATIONS = """
CREATE TABLE alerts (fingerprint TEXT NOT NULL, starts_at TEXT NOT NULL, source TEXT NOT NULL,
    status TEXT NOT NULL, alert_json TEXT NOT NULL, received_at REAL NOT NULL,
    last_seen REAL NOT NULL, notifications INTEGER NOT NULL DEFAULT 1,
    investigation_id TEXT, PRIMARY KEY (fingerprint, starts_at));
CREATE TABLE investigations (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
    starts_at TEXT NOT NULL, status TEXT NOT NULL, step INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, alert_json TEXT NOT NULL,
    state_json TEXT, report_json TEXT, report_status TEXT, error TEXT, stop_reason TEXT);
"""


def test_a_sqlite_file_from_before_migrations_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "server.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(_BEFORE_MIGRATIONS)
        conn.execute(
            "INSERT INTO investigations (id, fingerprint, starts_at, status, created_at, "
            "updated_at, alert_json) VALUES ('inv-old', 'fp', 's', 'running', 1, 1, ?)",
            (alert().model_dump_json(),),
        )
    store = Store(SqliteDatabase(path))
    try:
        # Its running investigation (no lease recorded) is orphaned work, claimable at once.
        row = store.queue.claim("new-replica")
        assert row is not None and row.id == "inv-old" and row.attempts == 1
        assert store.seen_event("grafana", "e1") is False  # tables added by migration 1
    finally:
        store.close()


def test_database_url_comes_from_the_environment_and_is_checked(tmp_path: Path) -> None:
    url = "postgresql://agent:s3cret@db.internal:5432/agent"
    settings = load_settings(environ={"AGENT_DATABASE_URL": url})
    assert settings.server.database_url == url
    assert "s3cret" not in repr(settings.server)
    assert describe(url) == "postgresql://agent@db.internal:5432/agent"
    with pytest.raises(ConfigError, match=r"postgresql:// URL \(got scheme mysql\)") as caught:
        load_settings(environ={"AGENT_DATABASE_URL": "mysql://root:hunter2@db/agent"})
    assert "hunter2" not in str(caught.value)


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    from socket import socket

    with socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = load_settings(
        environ={"AGENT_DATABASE_URL": f"postgresql://u:pw123@127.0.0.1:{port}/x"}
    )
    with pytest.raises(StoreUnavailable, match=f"postgresql://u@127.0.0.1:{port}/x") as caught:
        open_store(settings)
    assert "pw123" not in str(caught.value)


def test_open_store_uses_postgres_when_a_url_is_set(postgres_url: str, tmp_path: Path) -> None:
    settings = load_settings(environ={"AGENT_DATABASE_URL": postgres_url,
                                      "AGENT_STATE_DIR": str(tmp_path)})  # fmt: skip
    store = open_store(settings)
    try:
        assert store.db.dialect == "postgres" and "@127.0.0.1:" in store.description
        assert not (tmp_path / "server.db").exists()
    finally:
        store.close()


def test_the_readme_replica_configuration_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Several replicas on PostgreSQL", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "agent.yaml"
    config.write_text(block, encoding="utf-8")
    server = load_settings(config, environ={}).server
    assert server.database_url and server.database_url.startswith("postgresql://")
    assert (server.lease_seconds, server.database_pool_size) == (30, 10)
