"""The worker pool: threads that take queued investigations from the store and run them.

The store is the queue (so it survives a crash); the threads only need waking. Each job
carries the persisted state to resume from, a step callback that persists every completed
step, and a stop check (the alert resolved). A runner turns a job into a report; the live one
is in ``agent.server.runner``, tests inject fast fakes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from agent.alerts.model import Alert
from agent.investigation.loop import InvestigationDeps, investigate
from agent.investigation.state import InvestigationState
from agent.report.model import Report

from .at_rest import redact_text
from .metrics import Metrics
from .rate_limits import RateLimit
from .spend import SpendGuard
from .store import InvestigationRow, Store

log = logging.getLogger(__name__)

# Alerts of a group given to an investigation as context; a storm's 5,000 would swamp the
# model's context and every persisted step, while a few dozen show the pattern.
MAX_GROUP_CONTEXT = 50

# How long an idle worker sleeps before looking at the store again; bounds the delay of a
# wake-up that raced with a worker going to sleep.
_POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Job:
    """One investigation to run (or resume)."""

    id: str
    alert: Alert
    state: InvestigationState | None
    on_step: Callable[[InvestigationState], None]
    should_stop: Callable[[], str | None]
    # Set when a global spend ceiling is reached: the runner must use the offline brain.
    offline_reason: str | None = None


Runner = Callable[[Job], Report]
# Called after a report is stored (the notification outbox queues it).
Finished = Callable[[InvestigationRow, Report], None]


def run_job(job: Job, deps: InvestigationDeps, brain_name: str, started_at: datetime) -> Report:
    """Run ``investigate`` for a job: resume its state, persist each step and the last one."""
    state = job.state or InvestigationState(
        id=job.id, alert=job.alert, brain=brain_name, started_at=started_at
    )
    deps.on_step = job.on_step
    deps.should_stop = job.should_stop
    report = investigate(job.alert, deps, state)
    # The final (report-writing) turn is not followed by on_step: persist it too.
    job.on_step(state)
    return report


class WorkerPool:
    """``concurrency`` threads running investigations from ``store`` with ``runner``."""

    def __init__(
        self,
        store: Store,
        runner: Runner,
        metrics: Metrics,
        concurrency: int,
        spend: SpendGuard | None = None,
        proposals: RateLimit | None = None,
        on_finished: Finished | None = None,
    ) -> None:
        self._store = store
        self._proposals = proposals
        self._spend = spend
        self._on_finished = on_finished
        self._runner = runner
        self._metrics = metrics
        self._concurrency = concurrency
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> WorkerPool:
        """Requeue what a crash left running, then start the threads."""
        resumed = self._store.requeue_interrupted()
        if resumed:
            log.info("resuming %d interrupted investigation(s): %s", len(resumed), resumed)
        for index in range(self._concurrency):
            thread = threading.Thread(target=self._work, name=f"investigator-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def notify(self) -> None:
        """Wake a worker: an investigation was queued."""
        with self._wake:
            self._wake.notify()

    def close(self, timeout: float = 10.0) -> None:
        """Stop taking work and wait for running investigations (at most ``timeout``)."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self) -> None:
        while not self._stopping.is_set():
            held = self._spend is not None and self._spend.hold()
            row = None if held else self._store.claim_next()
            if row is None:
                with self._wake:
                    self._wake.wait(_POLL_SECONDS)
                continue
            self._run(row)

    def _run(self, row: InvestigationRow) -> None:
        observe = self._metrics.step_observer()

        def on_step(state: InvestigationState) -> None:
            self._store.save_step(state)
            observe(state)

        # The group's other alerts are the investigation's context (one run per group).
        others = [
            a for a in self._store.group_alerts(row.id) if a.fingerprint != row.alert.fingerprint
        ]
        fresh = row.state is None  # a resumed run keeps the brain it started with
        job = Job(
            id=row.id,
            alert=row.alert.model_copy(
                update={
                    "group": tuple(others[:MAX_GROUP_CONTEXT]),
                    "group_omitted": max(0, len(others) - MAX_GROUP_CONTEXT),
                }
            ),
            state=row.state,
            on_step=on_step,
            should_stop=lambda: self._store.stop_reason(row.id),
            offline_reason=self._spend.offline_reason() if self._spend and fresh else None,
        )
        waited = self._spend.waited_note(row.created_at) if self._spend and fresh else None
        for mode, happened in (("offline", job.offline_reason), ("wait", waited)):
            if happened:
                self._metrics.inc("agent_spend_ceiling_investigations_total", mode=mode)
        try:
            report = self._runner(job)
        except Exception as exc:  # a worker must survive any one investigation's failure
            log.exception("investigation %s failed", row.id)
            self._store.fail(row.id, redact_text(f"{type(exc).__name__}: {exc}"))
            return
        report = _with_spend_notes(report, job.offline_reason, waited)
        self._store.finish(row.id, report, self._proposals)
        if self._on_finished is not None:
            stored = self._store.get(row.id)  # what was kept (proposals may be rate-limited)
            try:
                self._on_finished(row, stored.report if stored and stored.report else report)
            except Exception:  # delivery is best effort; the report is already stored
                log.exception("queueing notifications for %s failed", row.id)


def _with_spend_notes(report: Report, offline_reason: str | None, waited: str | None) -> Report:
    """The report, saying how the global spend ceiling changed this run, if it did."""
    update: dict[str, object] = {}
    if offline_reason:
        note = f"ran with the offline investigator because {offline_reason}"
        update["degraded_reason"] = "; ".join(filter(None, [report.degraded_reason, note]))
    if waited:
        update["data_gaps"] = [*report.data_gaps, waited]
    return report.model_copy(update=update) if update else report
