"""An in-process ``agent serve`` for tests: real store, intake, workers; injectable runner."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from polling import wait_for as wait_for  # the server tests import it from here
from starlette.testclient import TestClient
from store_work import finish as finish  # the server tests import it from here

from agent.alerts.model import Alert
from agent.bundle.model import Catalog
from agent.config.server import ServerSettings
from agent.config.settings import Settings
from agent.investigation.brain import BrainTurn
from agent.investigation.loop import InvestigationDeps
from agent.investigation.report_builder import ReportContext
from agent.investigation.state import CallRecord
from agent.report.model import AlertRef, Report
from agent.server.access import SESSION_COOKIE
from agent.server.app import create_app
from agent.server.approvals import ExecutorFactory
from agent.server.build import build_server
from agent.server.deps import Server
from agent.server.store import Limits, Store
from agent.server.workers import Job, Runner, run_job

AM_TOKEN = "am-token-123"
GRAFANA_SECRET = "grafana-secret"
PD_OLD, PD_NEW = "pd-secret-old", "pd-secret-new"
APPROVER_TOKEN = "approver-token-alice"
VIEWER_TOKEN = "viewer-token-bob"
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}


def settings(tmp_path: Path, **server: Any) -> Settings:
    values: dict[str, Any] = {
        "alertmanager_tokens": [AM_TOKEN],
        "grafana_secret": GRAFANA_SECRET,
        "grafana_timestamp_header": "X-Grafana-Alerting-Timestamp",
        "pagerduty_secrets": [PD_OLD, PD_NEW],
        "approver_tokens": {APPROVER_TOKEN: "alice"},
        "viewer_tokens": {VIEWER_TOKEN: "bob"},
        "db_path": tmp_path / "server.db",
    } | server
    return Settings(server=ServerSettings(**values), state_dir=tmp_path)


AM_AUTH = {"Authorization": f"Bearer {AM_TOKEN}"}


class Clock:
    """A settable wall clock (seconds)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now


def quick_report(job: Job, status: str = "complete") -> Report:
    now = datetime.now(UTC)
    return Report(
        investigation_id=job.id,
        alert=AlertRef(fingerprint=job.alert.fingerprint, name=job.alert.name),
        status=status,  # type: ignore[arg-type]
        brain="fake",
        started_at=now,
        finished_at=now,
    )


class CountingRunner:
    """A fast fake runner that records which investigations it ran."""

    def __init__(self, delay: float = 0.0) -> None:
        self.ran: list[str] = []
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, job: Job) -> Report:
        time.sleep(self.delay)
        with self._lock:
            self.ran.append(job.id)
        return quick_report(job)


class NoTools:
    """A tool runner without backend tools (the scripted brain only uses the ledger)."""

    def schemas(self) -> list[dict[str, Any]]:
        return []

    def run(self, calls: list[Any], allowed: Any) -> list[CallRecord]:
        return []


def scripted_runner(step: Callable[[], None]) -> Runner:
    """Runs the real loop with a brain that calls ``step`` (e.g. to wait) each turn."""
    from agent.brains.scripted import ScriptedBrain

    def think(state: Any) -> BrainTurn:
        step()
        return BrainTurn(text=f"turn {len(state.turns)}")

    def run(job: Job) -> Report:
        brain = ScriptedBrain([think], repeat_last=True)
        deps = InvestigationDeps(
            brain=brain, tools=NoTools(), report_context=ReportContext(frozenset(), Catalog())
        )
        return run_job(job, deps, brain.name, datetime.now(UTC))

    return run


@contextmanager
def running(
    config: Settings,
    runner: Runner,
    *,
    clock: Callable[[], float] = time.time,
    executor: ExecutorFactory | None = None,
    start_workers: bool = True,
    allow_unauthenticated: bool = False,
    viewer_session: bool = True,
) -> Iterator[tuple[TestClient, Server]]:
    """The app on a test client; reads go through a viewer's console session unless told not to.

    A session cookie (not an ``Authorization`` header) keeps webhook and approver tests free to
    send their own credentials.
    """
    server = build_server(
        config,
        runner,
        allow_unauthenticated=allow_unauthenticated,
        executor=executor,
        clock=clock,
    )
    app = create_app(server, start_workers=start_workers)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            session = server.access.login(VIEWER_TOKEN) if viewer_session else None
            if session is not None:
                client.cookies.set(SESSION_COOKIE, session.id)
            yield client, server
    finally:
        server.store.close()


def admit(store: Store, alert: Alert, cooldown: float = 3600, queue_bound: int = 10) -> str:
    """Admit one alert as its own group, as a payload without a group key would; its id."""
    (admission,) = store.admit(
        [alert], f"alert:{alert.fingerprint}", "test:", Limits(cooldown, queue_bound, queue_bound)
    )
    assert admission.investigation_id is not None, admission
    return admission.investigation_id
