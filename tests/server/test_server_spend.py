"""Global spend ceilings: over one, new investigations run offline or wait; reports say so."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import server_payloads as p
from server_harness import AM_AUTH, Clock, quick_report, running, settings, wait_for

from agent.bundle.model import Catalog
from agent.config.settings import Settings
from agent.investigation.state import InvestigationState
from agent.report.model import Report
from agent.server.runner import LiveRunner
from agent.server.workers import Job
from policies.load import default_policy_path, load_policy


class SpendingRunner:
    """Spends ``usd`` and ``tokens`` per investigation (offline runs spend nothing)."""

    def __init__(self, usd: float = 0.0, tokens: int = 0) -> None:
        self.usd, self.tokens = usd, tokens
        self.offline: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def __call__(self, job: Job) -> Report:
        with self._lock:
            self.offline[job.id] = job.offline_reason
        state = InvestigationState(
            id=job.id, alert=job.alert, brain="fake", started_at=datetime.now(UTC)
        )
        if job.offline_reason is None:
            state.usage.cost_usd, state.usage.input_tokens = self.usd, self.tokens
        job.on_step(state)
        report = quick_report(job)
        return report.model_copy(update={"brain": "offline" if job.offline_reason else "claude"})


def _fire(client, name: str) -> str:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/webhooks/alertmanager", content=p.body(p.alertmanager(p.am_alert(name))), headers=AM_AUTH
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["investigations"][0])


def _done(server, inv: str):  # type: ignore[no-untyped-def]
    return wait_for(lambda: (r := server.store.get(inv)) and r.status == "done" and r)


@pytest.mark.parametrize(
    ("ceiling", "runner"),
    [
        ({"spend_hourly_usd": 20.0}, SpendingRunner(usd=15.0)),
        ({"spend_daily_usd": 20.0, "spend_hourly_usd": None}, SpendingRunner(usd=15.0)),
        ({"spend_hourly_tokens": 1000}, SpendingRunner(tokens=600)),
        ({"spend_daily_tokens": 1000}, SpendingRunner(tokens=600)),
    ],
)
def test_over_a_ceiling_new_investigations_run_offline_and_say_so(
    tmp_path: Path, ceiling: dict[str, float | None], runner: SpendingRunner
) -> None:
    with running(settings(tmp_path, **ceiling), runner) as (client, server):
        first, second = _done(server, _fire(client, "A")), _done(server, _fire(client, "B"))
        assert runner.offline[first.id] is None and runner.offline[second.id] is None
        third = _done(server, _fire(client, "C"))
        reason = runner.offline[third.id]
        assert reason is not None and "spend ceiling" in reason
        assert third.report.brain == "offline"
        assert "ran with the offline investigator because the" in third.report.degraded_reason
        assert first.report.degraded_reason is None
        assert server.metrics.value("agent_spend_ceiling_investigations_total", mode="offline") == 1
        usd, tokens = server.store.spent_since(0)
        assert (usd, tokens) == (2 * runner.usd, 2 * runner.tokens)


def test_over_a_ceiling_in_wait_mode_new_investigations_wait_for_the_window(tmp_path: Path) -> None:
    clock = Clock()
    config = settings(tmp_path, spend_hourly_usd=20.0, over_spend_ceiling="wait")
    runner = SpendingRunner(usd=25.0)
    with running(config, runner, clock=clock) as (client, server):
        first = _done(server, _fire(client, "A"))
        assert first.report.data_gaps == []
        waiting = _fire(client, "B")
        time.sleep(1.5)  # three worker polls: it stays queued while the hour is over budget
        assert server.store.get(waiting).status == "queued"  # type: ignore[union-attr]
        clock.now += 3601  # the spending leaves the hourly window
        later = _done(server, waiting)
        assert runner.offline[waiting] is None
        assert any("waited for the global spend ceiling" in g for g in later.report.data_gaps)
        assert server.metrics.value("agent_spend_ceiling_investigations_total", mode="wait") == 1


def test_live_runner_uses_the_offline_brain_over_a_ceiling(tmp_path: Path) -> None:
    def never(*args: object) -> object:
        raise AssertionError("the configured brain must not be built over a ceiling")

    runner = LiveRunner(
        Settings(state_dir=tmp_path), load_policy(default_policy_path()), brain_factory=never
    )  # type: ignore[arg-type]
    job = Job("inv-1", None, None, lambda s: None, lambda: None, offline_reason="over")  # type: ignore[arg-type]
    assert runner.brain(job, Catalog()).name == "offline"
