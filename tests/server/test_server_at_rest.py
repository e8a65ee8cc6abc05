"""Data at rest: no secret from an alert or a worker error reaches ``server.db`` or its WAL,
and the audit table is a hash chain that shows an edited or removed row."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import server_payloads as p
from server_harness import (
    AM_AUTH,
    GRAFANA_SECRET,
    running,
    scripted_runner,
    settings,
    wait_for,
)

from agent.server.store import Store
from agent.server.store.migrations import LATEST, MIGRATIONS, migrate, render
from agent.server.store.sqlite import SqliteDatabase

AWS = "AKIAQWERTYCANARY7X2Q"
DSN_PASSWORD = "CanaryDsnPass-4417"


def _database_bytes(db: Path) -> bytes:
    return b"".join(f.read_bytes() for f in db.parent.glob(db.name + "*"))


def test_alert_secrets_appear_nowhere_in_the_database_or_its_wal(tmp_path: Path) -> None:
    alert = p.am_alert(aws_key=AWS)
    alert["annotations"]["description"] = (
        f"deploy used key {AWS} and postgres://app:{DSN_PASSWORD}@db:5432/x"
    )
    grafana = p.grafana()
    grafana["alerts"][0]["annotations"]["description"] = f"leaked {AWS}"
    grafana_raw = p.body(grafana)
    config = settings(tmp_path)
    with running(config, scripted_runner(lambda: None)) as (client, server):
        first = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager(alert)), headers=AM_AUTH
        )
        assert first.status_code == 200, first.text
        now = str(int(time.time()))
        headers = p.grafana_headers(GRAFANA_SECRET, grafana_raw, now)
        assert (
            client.post("/webhooks/grafana", content=grafana_raw, headers=headers).status_code
            == 200
        )
        wait_for(
            lambda: all(r.status == "done" for r in server.store.search()) and server.store.search()
        )
        stored = server.store.search()
        assert len(stored) == 2 and all(r.state is not None for r in stored)
        annotations = " ".join(r.alert.annotations.get("description", "") for r in stored)
        assert "‹" in annotations  # redacted, not dropped: the text around the secret remains
        assert "deploy used key" in annotations
        listed = (
            client.get("/investigations").text + client.get(f"/investigations/{stored[0].id}").text
        )
        # While the server runs the WAL holds the latest pages: scan it too.
        raw = _database_bytes(config.server.db_path)  # type: ignore[arg-type]
        assert any(name.endswith("-wal") for name in (f.name for f in tmp_path.glob("server.db*")))
    for secret in (AWS, DSN_PASSWORD):
        assert secret.encode() not in raw
        assert secret not in listed
    assert AWS.encode() not in _database_bytes(config.server.db_path)  # type: ignore[arg-type]
    # Deduplication still works on the fingerprint of the labels as received.
    with running(config, scripted_runner(lambda: None), start_workers=False) as (client, server):
        again = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager(alert)), headers=AM_AUTH
        )
        assert again.json()["outcomes"] == {"duplicate": 1}


def test_worker_errors_are_redacted_when_stored_and_when_served(tmp_path: Path) -> None:
    def broken(job):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"cannot reach postgres://app:{DSN_PASSWORD}@db:5432 with {AWS}")

    config = settings(tmp_path)
    with running(config, broken) as (client, server):
        inv = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=AM_AUTH
        ).json()["investigations"][0]
        row = wait_for(lambda: (r := server.store.get(inv)) and r.status == "failed" and r)
        assert row.error.startswith("RuntimeError: cannot reach postgres://")
        assert AWS not in row.error and DSN_PASSWORD not in row.error
        # A row written before errors were redacted is redacted when served.
        server.store.set_status(inv, "failed", error=f"old error with {AWS}")
        served = client.get(f"/investigations/{inv}").json()["error"]
        listed = client.get("/investigations").json()["investigations"][0]["error"]
        assert served.startswith("old error with ‹") and AWS not in served and AWS not in listed


def test_audit_rows_are_redacted_and_hash_chained(tmp_path: Path) -> None:
    config = settings(tmp_path)
    with running(config, scripted_runner(lambda: None), start_workers=False) as (client, server):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {}):
            client.post("/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=headers)
        server.store.audit("remediation_rejected", approver="alice", reason=f"key {AWS} leaked")
        records = server.store.audit_records()
        assert len(records) == 4 and AWS not in str(records)
        assert server.store.audit_problems() == []
        rows = server.store.query("SELECT prev_hash, hash FROM audit ORDER BY id")
        assert rows[0][0] == "0" * 64 and all(rows[i][0] == rows[i - 1][1] for i in range(1, 4))
    with sqlite3.connect(config.server.db_path) as db:  # type: ignore[arg-type]
        db.execute('UPDATE audit SET detail_json=\'{"reason": "nothing happened"}\' WHERE id=2')
    store = Store(SqliteDatabase(config.server.db_path))  # type: ignore[arg-type]
    assert store.audit_problems() == ["audit row 2: content does not match its hash"]
    with sqlite3.connect(config.server.db_path) as db:  # type: ignore[arg-type]
        db.execute("DELETE FROM audit WHERE id=3")
    assert "audit row 4: does not follow the previous row" in store.audit_problems()
    store.close()


def test_migration_chains_the_audit_rows_of_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(
        "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, "
        "event TEXT NOT NULL, detail_json TEXT NOT NULL)"
    )
    db.execute("INSERT INTO audit (time, event, detail_json) VALUES (1.5, 'webhook_refused', '{}')")
    db.close()
    database = SqliteDatabase(path)
    assert migrate(database) == list(range(1, LATEST + 1)) and migrate(database) == []
    store = Store(database)
    store.audit("webhook_refused", source="grafana", reason="missing header")
    assert store.audit_problems() == [] and len(store.audit_records()) == 2
    store.close()


def test_a_database_of_the_previous_schema_is_migrated_and_keeps_working(tmp_path: Path) -> None:
    config = settings(tmp_path)
    path = config.server.db_path
    assert path is not None
    old = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0].statements:  # the tables as the previous version made them
        old.execute(render(statement, "sqlite"))
    alert = p.am_alert()
    from agent.alerts.model import alert_from_alertmanager

    stored = alert_from_alertmanager({**alert, "fingerprint": "a" * 16})
    old.execute(
        "INSERT INTO alerts VALUES (?, ?, 'alertmanager', 'firing', ?, 1.0, 1.0, 1, 'inv-old')",
        (stored.fingerprint, stored.starts_at.isoformat(), stored.model_dump_json()),
    )
    old.execute(
        "INSERT INTO investigations (id, fingerprint, starts_at, status, created_at, updated_at, "
        "alert_json) VALUES ('inv-old', ?, ?, 'done', 1.0, 1.0, ?)",
        (stored.fingerprint, stored.starts_at.isoformat(), stored.model_dump_json()),
    )
    old.execute(
        "INSERT INTO audit (time, event, detail_json) VALUES (1.0, 'webhook_refused', '{}')"
    )
    old.close()
    with running(config, scripted_runner(lambda: None), start_workers=False) as (client, server):
        row = server.store.get("inv-old")
        assert row is not None and row.follows is None and row.status == "done"
        again = client.post("/webhooks/alertmanager", headers=AM_AUTH,
                            content=p.body(p.alertmanager({**alert, "fingerprint": "a" * 16})))  # fmt: skip
        assert again.json()["outcomes"] == {"duplicate": 1}
        server.store.audit("webhook_refused", source="x")
        assert server.store.audit_problems() == []
        assert server.store.spent_since(0) == (0.0, 0)
