"""The outbox: idempotent per investigation and sink, retried with backoff, never lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback_http import Answer, Loopback, serve
from notify_fakes import FakeSlack, alert, report

from agent.notify.outbox import Outbox
from agent.notify.settings import NotifySettings
from agent.notify.sink import build_sinks
from agent.server.store import Store
from agent.server.store.sqlite import SqliteDatabase


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, Loopback]]:
    fake = FakeSlack()
    with serve(fake) as srv:
        yield fake, srv


def outbox(tmp_path: Path, url: str, clock: Clock, **extra: object) -> tuple[Outbox, Store]:
    token = tmp_path / "slack-token"
    token.write_text("xoxb-test-token")
    settings = NotifySettings.model_validate({
        "sinks": [{"type": "slack", "api_url": f"{url}/api", "default_channel": "C0DEFAULT",
                   "secret_file": str(token)},
                  {"type": "webhook", "name": "broken", "url": "http://127.0.0.1:9/never",
                   "secret_env": "X", "secret": "k"}],
        "retry_base_seconds": 10, "max_attempts": 3, **extra,
    })  # fmt: skip
    store = Store(SqliteDatabase(tmp_path / "server.db"), clock)
    return Outbox(store, build_sinks(settings), settings, clock=clock), store


def finished(store: Store, box: Outbox, investigation_id: str, summary: str = "rollout") -> None:
    """Store an investigation with its report, as the workers do, and queue it."""
    a = alert()
    store.db.transaction(
        lambda tx: tx.run(
            "INSERT INTO investigations (id, fingerprint, starts_at, status, created_at, "
            "updated_at, alert_json) VALUES (?, ?, ?, 'queued', 0, 0, ?)",
            (investigation_id, a.fingerprint, a.starts_at.isoformat(), a.model_dump_json()),
        )
    )
    r = report(investigation_id, summary)
    claimed = store.queue.claim("test-worker")
    assert claimed is not None and claimed.id == investigation_id
    store.queue.finish(investigation_id, r, "test-worker")
    box.enqueue(investigation_id, a, r)


def by_sink(box: Outbox, investigation_id: str) -> dict[str, dict[str, object]]:
    return {r["sink"]: r for r in box.records(investigation_id)}


def test_delivered_once_even_if_queued_again_or_restarted(
    tmp_path: Path, slack: tuple[FakeSlack, Loopback]
) -> None:
    fake, srv = slack
    clock = Clock()
    box, store = outbox(tmp_path, srv.url, clock)
    finished(store, box, "inv-1")
    box.enqueue("inv-1", alert(), report("inv-1"))  # the same report again: no new delivery
    box.run_due()
    records = by_sink(box, "inv-1")
    assert records["slack"]["status"] == "delivered" and records["slack"]["outcome"] == "posted"
    assert records["slack"]["remote_id"] == "C0PAYMENTS/1712917800.000001"
    # The broken sink is pending, not failing anything else.
    assert records["broken"]["status"] == "pending" and records["broken"]["attempts"] == 1
    store.close()
    restarted, store = outbox(tmp_path, srv.url, clock)
    for _ in range(2):  # attempts 2 and 3 of the broken sink
        clock.now += 3600
        restarted.run_due()
    assert len(fake.posts) == 1
    assert by_sink(restarted, "inv-1")["broken"]["status"] == "failed"  # after max_attempts
    store.close()


def test_reinvestigation_of_the_same_alert_replies_in_the_thread(
    tmp_path: Path, slack: tuple[FakeSlack, Loopback]
) -> None:
    fake, srv = slack
    box, store = outbox(tmp_path, srv.url, Clock())
    finished(store, box, "inv-1")
    box.run_due()
    finished(store, box, "inv-2", summary="config edit, not the rollout")
    box.run_due()
    first, second = fake.posts
    assert "thread_ts" not in first and second["thread_ts"] == first["ts"]
    assert second["channel"] == "C0PAYMENTS"
    assert by_sink(box, "inv-2")["slack"]["outcome"] == "updated"
    store.close()


def test_rate_limited_sink_waits_for_retry_after_then_delivers(
    tmp_path: Path, slack: tuple[FakeSlack, Loopback]
) -> None:
    fake, srv = slack
    clock = Clock()
    box, store = outbox(tmp_path, srv.url, clock)
    fake.fail_next += [Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "120"}),
                       Answer(503, b"upstream down")]  # fmt: skip
    finished(store, box, "inv-1")
    box.run_due()
    pending = by_sink(box, "inv-1")["slack"]
    assert pending["status"] == "pending" and "HTTP 429" in str(pending["last_error"])
    assert pending["next_attempt"] == clock.now + 120  # Retry-After beats the 10 s backoff
    clock.now += 60
    box.run_due()
    assert by_sink(box, "inv-1")["slack"]["attempts"] == 1  # not due yet
    clock.now += 60
    box.run_due()
    again = by_sink(box, "inv-1")["slack"]
    assert again["status"] == "pending" and again["next_attempt"] == clock.now + 20  # 10 * 2
    clock.now += 20
    box.run_due()
    assert by_sink(box, "inv-1")["slack"]["status"] == "delivered" and len(fake.posts) == 1
    store.close()


def test_a_changed_report_supersedes_an_undelivered_one(
    tmp_path: Path, slack: tuple[FakeSlack, Loopback]
) -> None:
    fake, srv = slack
    clock = Clock()
    box, store = outbox(tmp_path, srv.url, clock)
    fake.fail_next.append(Answer(500, b"oops"))
    finished(store, box, "inv-1")
    box.run_due()
    newer = report("inv-1", "the real cause")
    store.replace_report(newer)
    box.enqueue("inv-1", alert(), newer)
    clock.now += 100
    box.run_due()
    statuses = sorted(r["status"] for r in box.records("inv-1") if r["sink"] == "slack")
    assert statuses == ["delivered", "superseded"]
    assert len(fake.posts) == 1 and "the real cause" in str(fake.posts[0]["blocks"])
    store.close()
