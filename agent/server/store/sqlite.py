"""The embedded default: one SQLite file in WAL mode.

One connection guarded by a lock: SQLite serialises writers anyway, and one connection keeps
WAL checkpoints and transactions simple. ``synchronous=FULL`` makes every commit durable before
the webhook's 2xx, even across a power cut. Several processes on one host may share the file
(``BEGIN IMMEDIATE`` waits up to ``busy_timeout`` for the write lock); for replicas on several
hosts use PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from agent.errors import StoreUnavailable

from .database import CursorTx, Dialect, Tx

T = TypeVar("T")

# The locks of ``hold``, shared by every SQLite store of this process.
_HOLDS: dict[str, threading.Lock] = {}
_HOLDS_LOCK = threading.Lock()

# How long a write waits for another process's transaction before failing (milliseconds).
_BUSY_TIMEOUT_MS = 10_000


class SqliteDatabase:
    """A ``Database`` on one SQLite file."""

    dialect: Dialect = "sqlite"
    skip_locked = ""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        try:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below).
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open the database {path}: {exc}") from exc
        self._tx = CursorTx(self._db)

    @property
    def description(self) -> str:
        """The file's path."""
        return str(self.path)

    def transaction(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._tx)
            except BaseException:
                if self._db.in_transaction:  # some errors end the transaction themselves
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def read(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` on the connection, outside any explicit transaction."""
        with self._lock:
            return work(self._tx)

    def lock(self, tx: Tx, key: str) -> None:
        """Nothing to do: the transaction already holds the database's only write lock."""

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """A lock of this process on ``key`` (SQLite replicas share one host, not this lock)."""
        with _HOLDS_LOCK:
            held = _HOLDS.setdefault(key, threading.Lock())
        with held:
            yield

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
