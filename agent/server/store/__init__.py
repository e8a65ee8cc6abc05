"""The server's shared store: one interface and one schema on SQLite or PostgreSQL.

Modules: ``database`` (what a backend provides), ``sqlite`` and ``postgres`` (the two
backends), ``migrations`` (the schema, for both), ``store`` (intake, the API's reads, decisions,
spend, audit), ``admission`` (which investigation an alert belongs to), ``queue`` (the work
queue with leases, fair across senders), ``rows`` (the data handed out).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from agent.config.settings import Settings

from .admission import Admission, Limits
from .database import Database
from .queue import WorkQueue
from .rows import STATUSES, InvestigationRow, Status
from .sqlite import SqliteDatabase
from .store import Store

__all__ = [
    "STATUSES",
    "Admission",
    "Database",
    "InvestigationRow",
    "Limits",
    "Status",
    "Store",
    "WorkQueue",
    "db_path",
    "open_database",
    "open_store",
]


def db_path(settings: Settings) -> Path:
    """Where the SQLite database lives (``server.db_path`` or ``<state_dir>/server.db``)."""
    configured = settings.server.db_path
    return (configured or settings.state_dir / "server.db").expanduser()


def open_database(settings: Settings) -> Database:
    """PostgreSQL when ``server.database_url`` is set, else the SQLite file.

    Raises:
        StoreUnavailable: the database cannot be opened or reached.
    """
    url = settings.server.database_url
    if url:
        from .postgres import PostgresDatabase  # psycopg loads only when it is used

        return PostgresDatabase(url, settings.server.database_pool_size)
    return SqliteDatabase(db_path(settings))


def open_store(settings: Settings, clock: Callable[[], float] = time.time) -> Store:
    """The configured store, migrated to the current schema."""
    return Store(open_database(settings), clock, settings.server.lease_seconds)
