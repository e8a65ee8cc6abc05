"""Investigations through the real loop: resolved mid-run, resume from stored state, the API."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import server_payloads as p
from server_harness import (
    AM_AUTH,
    CountingRunner,
    NoTools,
    admit,
    running,
    scripted_runner,
    settings,
    wait_for,
)

from agent.alerts.model import Alert, alert_from_alertmanager
from agent.brains.scripted import ScriptedBrain
from agent.bundle.model import Catalog
from agent.config.settings import Settings
from agent.investigation.brain import BrainTurn
from agent.investigation.budget import Budget
from agent.investigation.loop import InvestigationDeps
from agent.investigation.report_builder import ReportContext
from agent.investigation.state import InvestigationState
from agent.report.model import Report
from agent.server.lookup import StoreAlertSource
from agent.server.store import open_store
from agent.server.workers import Job, run_job


def test_resolved_mid_run_stops_gracefully_with_a_partial_report(tmp_path: Path) -> None:
    gate = threading.Semaphore(0)
    with running(settings(tmp_path), scripted_runner(lambda: gate.acquire(timeout=5))) as (
        client,
        server,
    ):
        inv = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=AM_AUTH
        ).json()["investigations"][0]
        gate.release()
        gate.release()
        wait_for(
            lambda: (row := server.store.get(inv)) and row.status == "running" and row.step >= 2
        )
        resolved = p.alertmanager(p.am_alert(status="resolved"))
        answer = client.post(
            "/webhooks/alertmanager", content=p.body(resolved), headers=AM_AUTH
        ).json()
        assert answer["outcomes"] == {"resolved": 1} and answer["investigations"] == [inv]
        for _ in range(3):
            gate.release()
        row = wait_for(lambda: (r := server.store.get(inv)) and r.status == "done" and r)
        assert row.report is not None and row.report.status == "partial"
        assert "resolved" in (row.stop_reason or "")
        assert row.state is not None and "resolved" in (row.state.ended_reason or "")
        # Every completed turn, including the final report turn, was persisted.
        assert len(server.store.turns(inv)) == len(row.state.turns)
        body = client.get(f"/investigations/{inv}").json()
        assert body["status"] == "done" and body["report"]["status"] == "partial"
        markdown = client.get(f"/investigations/{inv}/report.md")
        assert markdown.status_code == 200 and markdown.headers["content-type"].startswith(
            "text/markdown"
        )


def test_resume_continues_from_the_stored_state(tmp_path: Path) -> None:
    config = settings(tmp_path)
    # The crash state: an investigation 'running' with two completed steps persisted, by a
    # replica whose clock puts its lease an hour in the past (it died long ago).
    store = open_store(config, clock=lambda: time.time() - 3600)
    alert = StoreAlertSource(store)
    inv = admit(store, _alert())
    row = store.queue.claim("crashed-replica")
    assert row is not None
    crashed = run_job(
        Job(
            inv,
            row.alert,
            None,
            lambda s: store.queue.save_step(s, "crashed-replica"),
            lambda: None,
        ),
        _deps(Budget(max_steps=2), generated=[]),
        "scripted",
        datetime.now(UTC),
    )
    assert crashed.status == "partial"
    # Undo the budget's final turn: the simulated process died before it.
    state = store.get(inv).state  # type: ignore[union-attr]
    assert state is not None
    state.turns = state.turns[:2]
    state.final, state.ended_reason = None, None
    store.db.transaction(
        lambda tx: (
            tx.run(
                "UPDATE investigations SET state_json=?, step=2 WHERE id=?",
                (state.model_dump_json(), inv),
            ),
            tx.run("DELETE FROM turns WHERE investigation_id=? AND idx>=2", (inv,)),
        )
    )
    assert alert.find(row.alert.fingerprint) is not None
    store.close()

    generated: list[int] = []
    resumed_from: list[int] = []

    def runner(job: Job) -> Report:
        resumed_from.append(len(job.state.turns) if job.state else 0)
        return run_job(job, _deps(Budget(max_steps=5), generated), "scripted", datetime.now(UTC))

    with running(config, runner) as (_, server):
        done = wait_for(lambda: (r := server.store.get(inv)) and r.status == "done" and r)
    assert resumed_from == [2]
    assert generated == [2, 3, 4]  # completed turns 0 and 1 were not asked for again
    assert done.state is not None and [t.index for t in done.state.turns] == [0, 1, 2, 3, 4, 5]
    assert [t["index"] for t in server_turns(config)] == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]


def server_turns(config: Settings) -> list[dict[str, Any]]:
    store = open_store(config)
    try:
        rows = store.search()
        return store.turns(rows[0].id)
    finally:
        store.close()


def _alert() -> Alert:
    return alert_from_alertmanager(p.am_alert())


def _deps(budget: Budget, generated: list[int]) -> InvestigationDeps:
    def think(state: InvestigationState) -> BrainTurn:
        generated.append(len(state.turns))
        return BrainTurn(text=f"turn {len(state.turns)}")

    return InvestigationDeps(
        brain=ScriptedBrain([think], repeat_last=True),
        tools=NoTools(),
        report_context=ReportContext(frozenset(), Catalog()),
        budget=budget,
    )


def test_api_lists_filters_and_404s(tmp_path: Path) -> None:
    runner = CountingRunner()
    with running(settings(tmp_path), runner) as (client, server):
        for name in ("A", "B"):
            client.post(
                "/webhooks/alertmanager",
                content=p.body(p.alertmanager(p.am_alert(name))),
                headers=AM_AUTH,
            )
        wait_for(lambda: server.store.counts()["done"] == 2)
        listed = client.get("/investigations").json()["investigations"]
        assert {i["alertname"] for i in listed} == {"A", "B"}
        one = listed[0]
        assert [
            i["id"]
            for i in client.get("/investigations", params={"alert": one["alert"]}).json()[
                "investigations"
            ]
        ] == [one["id"]]
        assert (
            client.get("/investigations", params={"status": "queued"}).json()["investigations"]
            == []
        )
        assert client.get("/investigations", params={"status": "bogus"}).status_code == 400
        assert client.get("/investigations/inv-nope").status_code == 404
        assert client.get("/investigations/inv-nope/report.md").status_code == 404
        assert client.get("/healthz").json() == {"status": "ok"}
        metrics = client.get("/metrics").text
        assert 'agent_investigations{status="done"} 2' in metrics
        assert 'agent_webhook_requests_total{outcome="accepted",source="alertmanager"} 2' in metrics
        assert "agent_queue_depth 0" in metrics


def test_a_failing_runner_marks_the_investigation_failed(tmp_path: Path) -> None:
    def broken(job):  # type: ignore[no-untyped-def]
        raise RuntimeError("backend exploded")

    with running(settings(tmp_path), broken) as (client, server):
        inv = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=AM_AUTH
        ).json()["investigations"][0]
        row = wait_for(lambda: (r := server.store.get(inv)) and r.status == "failed" and r)
        assert row.error == "RuntimeError: backend exploded"
        assert client.get(f"/investigations/{inv}/report.md").status_code == 409
