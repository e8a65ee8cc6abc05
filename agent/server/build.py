"""Wire a ``Server`` from settings: store, verifiers, intake, workers, approvals."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from agent.config.settings import Settings
from agent.notify.outbox import Outbox
from agent.notify.sink import Sink, build_sinks
from agent.notify.slack import SlackPoster
from agent.remediation import Executor, check_separate_credentials

from .access import Access
from .approvals import Approvals, ExecutorFactory
from .auth import check_approver_tokens, webhook_verifiers
from .console.explore import Explore
from .deps import Server
from .intake import Intake
from .metrics import Metrics
from .slack import SlackInteractions
from .spend import SpendGuard
from .store import db_path, open_store
from .store.rate_limits import RateLimit
from .workers import Runner, WorkerPool

log = logging.getLogger(__name__)


def replica_id() -> str:
    """This process's name on the leases it holds: host (the pod's name), pid and a nonce.

    The nonce keeps a restarted container (same host, often the same pid) from mistaking the
    leases of its dead predecessor for its own.
    """
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"


def executor_factory(settings: Settings) -> ExecutorFactory | None:
    """Open the executor's kubeconfig per approval; ``None`` when none is configured.

    Raises:
        ConfigError: the executor kubeconfig is the investigator's own.
    """
    path = settings.server.executor_kubeconfig
    if path is None:
        return None
    context = settings.server.executor_context
    # The contexts each side authenticates with, as configured (as ``agent approve`` does).
    check_separate_credentials(
        path,
        settings.backends.kubeconfig,
        executor_context=context,
        investigator_context=settings.backends.kube_context,
    )
    return lambda: Executor.from_kubeconfig(path.expanduser(), context)


def build_server(
    settings: Settings,
    runner: Runner,
    *,
    allow_unauthenticated: bool = False,
    executor: ExecutorFactory | None = None,
    clock: Callable[[], float] = time.time,
    sinks: list[Sink] | None = None,
) -> Server:
    """Every collaborator of one server process.

    Raises:
        StoreUnavailable: the database cannot be opened or reached.
        ConfigError: a webhook source has no credential (unless ``allow_unauthenticated``),
            approver tokens reuse webhook credentials, or the executor kubeconfig is shared.
    """
    server_settings = settings.server
    verifiers, open_sources = webhook_verifiers(
        server_settings, allow_unauthenticated=allow_unauthenticated, clock=clock
    )
    for source in open_sources:
        log.warning("webhook source %s accepts UNAUTHENTICATED requests", source)
    check_approver_tokens(server_settings)
    store = open_store(settings, clock)
    metrics = Metrics()
    spend = SpendGuard(store, server_settings, clock)
    window = server_settings.rate_window_seconds
    outbox = (
        Outbox(store, sinks if sinks is not None else build_sinks(settings.notify),
               settings.notify, clock=clock)
        if settings.notify.sinks or sinks
        else None
    )  # fmt: skip
    workers = WorkerPool(
        store,
        runner,
        metrics,
        server_settings.concurrency,
        replica_id(),
        spend,
        RateLimit(server_settings.proposals_per_window, window),
        on_finished=(lambda row, report: outbox.enqueue(row.id, row.alert, report))
        if outbox
        else None,
    )
    # SQLite keeps the audit file beside the database, as before; replicas on PostgreSQL each
    # write their own under their state directory.
    audit_dir = (
        settings.state_dir.expanduser()
        if server_settings.database_url
        else db_path(settings).parent
    )
    approvals = Approvals(
        store,
        audit_dir / "audit.jsonl",
        executor if executor is not None else executor_factory(settings),
        clock=lambda: datetime.fromtimestamp(clock(), UTC),
        proposal_ttl=settings.remediation.proposal_ttl,
        approvals=RateLimit(server_settings.approvals_per_window, window),
    )
    slack = (
        SlackInteractions(
            [s for s in outbox.sinks() if isinstance(s, SlackPoster)], approvals, outbox, store,
            clock, server_settings.max_timestamp_skew_seconds,
        )
        if outbox is not None
        else None
    )  # fmt: skip
    return Server(
        store=store,
        intake=Intake(store, verifiers, server_settings, metrics, workers.notify, clock),
        approvals=approvals,
        workers=workers,
        metrics=metrics,
        approver_tokens=dict(server_settings.approver_tokens),
        max_body_bytes=server_settings.max_body_bytes,
        outbox=outbox,
        slack=slack,
        access=Access(server_settings.viewer_tokens, server_settings.approver_tokens, clock),
        explore=Explore.of(server_settings.console),
        clock=clock,
    )
