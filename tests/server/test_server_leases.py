"""The worker pool's leases: a run whose lease was taken over stops and writes nothing; a clean
shutdown hands unfinished work back at once."""

from __future__ import annotations

import threading
from pathlib import Path

import server_payloads as p
from server_harness import AM_AUTH, Clock, running, scripted_runner, settings, wait_for

from agent.server.store import open_store


def test_a_run_whose_lease_was_taken_over_stops_without_writing(tmp_path: Path) -> None:
    clock = Clock()
    gate = threading.Semaphore(0)
    asked: list[int] = []

    def step() -> None:
        asked.append(1)
        gate.acquire(timeout=10)

    config = settings(tmp_path, lease_seconds=1)
    with running(config, scripted_runner(step), clock=clock) as (client, server):
        inv = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=AM_AUTH
        ).json()["investigations"][0]
        gate.release()  # turn 0 completes and is saved; turn 1 waits
        wait_for(lambda: (r := server.store.get(inv)) and r.step == 1 and len(asked) == 2)
        # Another replica, whose clock is past this one's lease (as if this one had stalled),
        # takes the investigation over.
        successor = open_store(config, Clock(clock.now + 60))
        taken = successor.queue.claim("successor")
        assert taken is not None and taken.id == inv and taken.step == 1
        # The stalled run's turn 1 completes; neither that step nor a report nor a failure
        # reaches the store, and the run stops before asking the brain for turn 2.
        gate.release()
        wait_for(lambda: not server.workers.held)
        row = server.store.get(inv)
        assert row is not None and (row.status, row.replica, row.step) == (
            "running",
            "successor",
            1,
        )
        assert row.error is None and row.report is None and len(asked) == 2
        successor.close()


def test_a_clean_shutdown_hands_unfinished_work_back(tmp_path: Path) -> None:
    gate = threading.Event()
    config = settings(tmp_path)
    with running(config, scripted_runner(lambda: gate.wait(10))) as (client, server):
        inv = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=AM_AUTH
        ).json()["investigations"][0]
        wait_for(lambda: (r := server.store.get(inv)) and r.status == "running")
        server.workers.close(timeout=0.2)
        row = server.store.get(inv)
        assert row is not None and (row.status, row.replica, row.attempts) == ("queued", None, 0)
        gate.set()  # the run goes on, but its writes are refused: the lease is gone
        wait_for(lambda: not server.workers.held)
        after = server.store.get(inv)
        assert after is not None and after.status == "queued" and after.step == 0
