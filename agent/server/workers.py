"""The worker pool: threads that claim investigations from the shared queue and run them.

The store is the queue (so it survives a crash and is shared by every replica); the threads
only need waking, and poll, so work queued by another replica is found within a poll. Each job
carries the persisted state to resume from, a step callback that persists every completed
step, and a stop check (the alert resolved). A runner turns a job into a report; the live one
is in ``agent.server.runner``, tests inject fast fakes.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from agent.alerts.model import Alert
from agent.errors import AgentError, LeaseLost
from agent.investigation.loop import InvestigationDeps, investigate
from agent.investigation.state import InvestigationState
from agent.report.model import Report

from .at_rest import redact_text
from .metrics import Metrics
from .spend import SpendGuard
from .store import InvestigationRow, Store
from .store.rate_limits import RateLimit

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
    """``concurrency`` threads running investigations from the store's queue with ``runner``.

    Each claimed investigation is leased to its worker (``<owner>/w<n>``: one name per thread,
    so even two workers of one replica never share a lease); a heartbeat thread renews
    the leases every third of their length. A lease lost anyway (this replica stalled, another
    took the investigation over) stops the run before its next model call, and every write it
    would still make is refused by the store, so the successor's work is never overwritten.
    """

    def __init__(
        self,
        store: Store,
        runner: Runner,
        metrics: Metrics,
        concurrency: int,
        owner: str,
        spend: SpendGuard | None = None,
        proposals: RateLimit | None = None,
        on_finished: Finished | None = None,
    ) -> None:
        self._store = store
        self._queue = store.queue
        self._proposals = proposals
        self._spend = spend
        self._on_finished = on_finished
        self._runner = runner
        self._metrics = metrics
        self._concurrency = concurrency
        self.owner = owner
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._held: set[str] = set()
        self._lost: set[str] = set()
        self._held_lock = threading.Lock()

    def start(self) -> WorkerPool:
        """Start the workers and the heartbeat.

        Nothing is requeued here: what a crashed process left running is taken over once its
        lease expires, by this replica or another.
        """
        log.info("replica %s: %d worker(s)", self.owner, self._concurrency)
        self._stopping.clear()
        for index, owner in enumerate(self._owners):
            self._spawn(f"investigator-{index}", functools.partial(self._work, owner))
        self._spawn("lease-heartbeat", self._heartbeat)
        return self

    @property
    def _owners(self) -> list[str]:
        return [f"{self.owner}/w{index}" for index in range(self._concurrency)]

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def held(self) -> frozenset[str]:
        """The investigations this replica is running now."""
        with self._held_lock:
            return frozenset(self._held)

    def notify(self) -> None:
        """Wake a worker: an investigation was queued."""
        with self._wake:
            self._wake.notify()

    def close(self, timeout: float = 10.0) -> None:
        """Stop taking work and wait for running investigations (at most ``timeout``).

        Leases still held are given back, so another replica resumes them without waiting.
        """
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        try:
            released = self._queue.release(self._owners)
        except AgentError as exc:  # the database is gone: the leases expire instead
            log.warning("could not release leases: %s", exc)
            return
        if released:
            log.info("released %d unfinished investigation(s): %s", len(released), released)

    def _work(self, owner: str) -> None:
        while not self._stopping.is_set():
            try:
                held = self._spend is not None and self._spend.hold()
                row = None if held else self._queue.claim(owner)
            except AgentError as exc:  # the database is unreachable: retry after the poll
                log.warning("cannot claim work: %s", exc)
                row = None
            if row is None:
                with self._wake:
                    self._wake.wait(_POLL_SECONDS)
                continue
            if row.attempts > 1:
                self._metrics.inc("agent_investigations_taken_over_total")
                log.info("taking over %s at step %d (attempt %d)", row.id, row.step, row.attempts)
            with self._held_lock:
                self._held.add(row.id)
            try:
                self._run(row, owner)
            except Exception:  # the thread must outlive anything; the lease then expires
                log.exception("worker %s: investigation %s interrupted", owner, row.id)
            finally:
                with self._held_lock:
                    self._held.discard(row.id)
                    self._lost.discard(row.id)

    def _heartbeat(self) -> None:
        period = self._queue.lease_seconds / 3
        while not self._stopping.wait(period):
            try:
                renewed = self._queue.renew(self._owners, sorted(self.held))
            except AgentError as exc:
                log.warning("cannot renew leases: %s", exc)
                continue
            with self._held_lock:
                lost = self._held - renewed
                self._lost |= lost
            for investigation_id in sorted(lost):
                log.warning("lease on %s lost to another replica; stopping it", investigation_id)

    def _should_stop(self, investigation_id: str, owner: str) -> str | None:
        with self._held_lock:
            lost = investigation_id in self._lost
        if lost:
            raise LeaseLost(f"{owner} lost the lease on {investigation_id}")
        return self._queue.stop_reason(investigation_id)

    def _run(self, row: InvestigationRow, owner: str) -> None:
        observe = self._metrics.step_observer()

        def on_step(state: InvestigationState) -> None:
            self._queue.save_step(state, owner)
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
            should_stop=lambda: self._should_stop(row.id, owner),
            offline_reason=self._spend.offline_reason() if self._spend and fresh else None,
        )
        waited = self._spend.waited_note(row.created_at) if self._spend and fresh else None
        for mode, happened in (("offline", job.offline_reason), ("wait", waited)):
            if happened:
                self._metrics.inc("agent_spend_ceiling_investigations_total", mode=mode)
        try:
            try:
                report = self._runner(job)
            except LeaseLost:
                raise
            except Exception as exc:  # a worker must survive any one investigation's failure
                log.exception("investigation %s failed", row.id)
                self._queue.fail(row.id, redact_text(f"{type(exc).__name__}: {exc}"), owner)
                return
            report = _with_spend_notes(report, job.offline_reason, waited)
            self._queue.finish(row.id, report, owner, self._proposals)
            if self._on_finished is not None:
                stored = self._store.get(row.id)  # what was kept (proposals may be rate-limited)
                try:
                    self._on_finished(row, stored.report if stored and stored.report else report)
                except Exception:  # delivery is best effort; the report is already stored
                    log.exception("queueing notifications for %s failed", row.id)
        except LeaseLost as exc:
            log.warning("%s; its new owner carries on", exc)
        except AgentError as exc:  # the database failed: the lease expires and it resumes
            log.error("could not record the end of %s: %s", row.id, exc)


def _with_spend_notes(report: Report, offline_reason: str | None, waited: str | None) -> Report:
    """The report, saying how the global spend ceiling changed this run, if it did."""
    update: dict[str, object] = {}
    if offline_reason:
        note = f"ran with the offline investigator because {offline_reason}"
        update["degraded_reason"] = "; ".join(filter(None, [report.degraded_reason, note]))
    if waited:
        update["data_gaps"] = [*report.data_gaps, waited]
    return report.model_copy(update=update) if update else report
