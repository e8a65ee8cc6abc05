"""A real ``agent serve`` on loopback for the console tests, with one replayed investigation.

The server runs under uvicorn (the browser needs real HTTP) with the production store, workers,
gate and executor; its runner investigates with the offline brain against a replayed incident
whose Kubernetes replay records writes instead of applying them. A second, hand-made
investigation carries hostile telemetry (a ``<script>`` log line, a ``javascript:`` annotation
and hostile series labels) to check that the pages render it inert.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from polling import wait_for
from store_work import finish

from agent.alerts.lookup import AlertmanagerSource, find_alert
from agent.alerts.model import Alert
from agent.brains.offline import OfflineBrain
from agent.config.server import ServerSettings
from agent.config.settings import Settings
from agent.investigation.environments import replay_environment
from agent.investigation.setup import prepare
from agent.investigation.state import CallRecord, InvestigationState, Turn
from agent.remediation import Executor
from agent.replay.environment import ReplayEnvironment
from agent.replay.http import free_port
from agent.report.model import (
    AlertRef,
    Escalation,
    Evidence,
    Hypothesis,
    Report,
    RootCause,
    TimelineEvent,
)
from agent.server.app import create_app
from agent.server.build import build_server
from agent.server.deps import Server
from agent.server.store import Limits
from agent.server.workers import Job, Runner, run_job
from policies.load import default_policy_path, load_policy
from tools.clients import Backends

VIEWER_TOKEN = "viewer-token-bob"
APPROVER_TOKEN = "approver-token-alice"
AM_TOKEN = "am-token-console"
HOSTILE_LINE = "<script>alert('log')</script> payment failed"
HOSTILE_LINK = "javascript:alert('annotation')"
HOSTILE_LABEL = "</text><script>alert('label')</script>"


def replay_runner(env: ReplayEnvironment) -> Runner:
    """Investigate each job's alert on the replay with the offline brain, as production does."""
    policy = load_policy(default_policy_path())

    def run(job: Job) -> Report:
        assert env.endpoints is not None
        with replay_environment(env.endpoints, env.bundle.catalog, policy) as environment:
            brain = OfflineBrain(env.bundle.catalog)
            deps = prepare(job.alert, environment, brain, investigation_id=job.id)
            return run_job(job, deps, brain.name, env.endpoints.now)

    return run


def replayed_alert(env: ReplayEnvironment) -> Alert:
    """The bundle's alert as its Alertmanager replay serves it."""
    assert env.endpoints is not None
    backends = Backends.from_urls(**env.endpoints.backend_urls())
    try:
        assert backends.alertmanager is not None
        source = AlertmanagerSource(backends.alertmanager, env.endpoints.alertmanager)
        return find_alert(env.bundle.incident.alert_fingerprint, [source])
    finally:
        backends.close()


def hostile_investigation(server: Server, now: datetime) -> str:
    """Store a finished investigation whose telemetry tries to run script in the page."""
    # Delivered as an Alertmanager webhook: the annotations go through the real intake.
    item = {
        "status": "firing",
        "labels": {"alertname": "HostileTelemetry", "namespace": "shop", "severity": "page"},
        "annotations": {"runbook_url": HOSTILE_LINK, "description": HOSTILE_LINE},
        "startsAt": (now - timedelta(minutes=20)).isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "hostile0000000001",
    }
    body = {"version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "agent",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager", "alerts": [item]}  # fmt: skip
    answer = server.intake.handle(
        "alertmanager", {"authorization": f"Bearer {AM_TOKEN}"}, json.dumps(body).encode()
    )
    assert answer.status == 200, answer.body
    (inv,) = answer.body["investigations"]
    row = server.store.get(inv)
    assert row is not None and row.alert.annotations["runbook_url"] == HOSTILE_LINK
    alert = row.alert
    t0 = int((now - timedelta(minutes=30)).timestamp())
    points = [[t0 + 60 * i, 0.01 if i < 15 else 0.4] for i in range(30)]
    record = CallRecord(
        id="c1",
        name="query_metrics",
        arguments={"query": "x"},
        output="...",
        data={
            "series": [
                {
                    "labels": {"service": HOSTILE_LABEL},
                    "baseline_mean": 0.01,
                    "window_mean": 0.4,
                    "change": {"at": "x", "before": 0.01, "after": 0.4},
                    "points": points,
                }
            ],
            "window": {"start": datetime.fromtimestamp(t0 + 900, UTC).isoformat()},
        },
    )
    state = InvestigationState(
        id=inv, alert=alert, brain="scripted", started_at=now, turns=[Turn(index=0, calls=[record])]
    )
    evidence = [
        Evidence(tool_call_id="c2", tool="query_logs", query='{app="payments"}', quote=HOSTILE_LINE,
                 verified=True),
        Evidence(tool_call_id="c1", tool="query_metrics", query="x", quote=HOSTILE_LABEL,
                 verified=True),
    ]  # fmt: skip
    report = Report(
        investigation_id=inv,
        alert=AlertRef(fingerprint=alert.fingerprint, name=alert.name, labels=alert.labels),
        status="complete",
        brain="scripted",
        root_cause=RootCause(
            component="payments", category="code", summary=HOSTILE_LINE, confidence=0.5
        ),
        hypotheses=[
            Hypothesis(
                id="H1",
                component="payments",
                category="code",
                statement=HOSTILE_LINE,
                status="supported",
                confidence=0.5,
                evidence=evidence,
            ),
        ],
        timeline=[
            TimelineEvent(time=now, event="<img src=x onerror=alert('timeline')>", source="logs")
        ],
        escalation=[Escalation(service="payments", owner="<b>team</b>", runbook_url=HOSTILE_LINK)],
        started_at=now,
        finished_at=now,
    )
    finish(server.store, inv, report, state=state)
    return inv


def admit(server: Server, alert: Alert) -> str:
    """Admit one alert as its own group, as a payload without a group key would; its id."""
    (admission,) = server.store.admit(
        [alert], f"alert:{alert.fingerprint}", "test:", Limits(3600, 100, 100)
    )
    assert admission.investigation_id is not None, admission
    return admission.investigation_id


@dataclass
class Console:
    """The running console: its URL, the server, the replay and the two investigations."""

    url: str
    server: Server
    env: ReplayEnvironment
    replayed: str
    hostile: str

    def writes(self) -> list[dict[str, Any]]:
        """Write requests the Kubernetes replay received so far."""
        return self.env.recorded_writes


@contextmanager
def running_console(env: ReplayEnvironment, state_dir: Path) -> Iterator[Console]:
    """Serve the console on a free loopback port until the block ends."""
    assert env.endpoints is not None
    kubeconfig = env.endpoints.kubeconfig
    settings = Settings(
        server=ServerSettings(
            alertmanager_tokens=[AM_TOKEN],
            viewer_tokens={VIEWER_TOKEN: "bob"},
            approver_tokens={APPROVER_TOKEN: "alice"},
            db_path=state_dir / "server.db",
        ),
        state_dir=state_dir,
    )
    # The server runs on the recording's clock, as production runs on the cluster's: proposal
    # expiry and ages compare against the time the incident was recorded.
    began, recorded = time.monotonic(), env.bundle.now.timestamp()
    server = build_server(
        settings,
        replay_runner(env),
        allow_unauthenticated=True,
        executor=lambda: Executor.from_kubeconfig(Path(kubeconfig)),
        clock=lambda: recorded + (time.monotonic() - began),
    )
    hostile = hostile_investigation(server, env.bundle.now)
    replayed = admit(server, replayed_alert(env))
    port = free_port()
    config = uvicorn.Config(create_app(server), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="console-server", daemon=True)
    thread.start()
    try:
        wait_for(lambda: uv.started, 30)
        done = ("awaiting_approval", "done", "failed")
        row = wait_for(lambda: (r := server.store.get(replayed)) and r.status in done and r, 120)
        assert row.status == "awaiting_approval", (row.status, row.error)
        yield Console(f"http://127.0.0.1:{port}", server, env, replayed, hostile)
    finally:
        uv.should_exit = True
        thread.join(15)
        server.store.close()
