"""What the store needs from a database: transactions, reads, and two dialect differences.

The store's SQL is written once, with ``?`` placeholders, and runs on SQLite and PostgreSQL
alike; a ``Database`` hides the rest. Only two things differ in the statements themselves:

- ``skip_locked``: appended to the queue's ``SELECT … LIMIT 1`` — ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, so replicas claiming work at once each get a different row; nothing on SQLite,
  whose ``BEGIN IMMEDIATE`` already holds the only write lock.
- ``lock(tx, key)``: serialises transactions on one key until commit — a transaction-scoped
  advisory lock on PostgreSQL, a no-op on SQLite (one writer at a time anyway). Intake takes it
  on an alert's dedup key, so two replicas receiving the same alert decide one after the other.

``hold(key)`` is the same across several transactions and the I/O between them (an approval:
check the rate limit, ask the cluster, record it): a session advisory lock on PostgreSQL, a
lock of this process on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol, TypeVar

T = TypeVar("T")
Dialect = Literal["sqlite", "postgres"]
Row = tuple[Any, ...]


class Tx(Protocol):
    """One open transaction (or, for ``Database.read``, one read-only connection)."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a query and return every row."""
        ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run a query and return its first row, if any."""
        ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement and return how many rows it changed."""
        ...

    def run_many(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter tuple."""
        ...


class Database(Protocol):
    """A connection (or pool) to the store's database."""

    dialect: Dialect
    skip_locked: str

    @property
    def description(self) -> str:
        """Where the data lives, without credentials (for messages and logs)."""
        ...

    def transaction(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` in one write transaction: committed if it returns, rolled back if not.

        ``work`` may be called again when the database asks for a retry (a deadlock or a
        serialisation failure), so it must not have effects outside the transaction.
        """
        ...

    def read(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` on a connection for reads (no write transaction held)."""
        ...

    def lock(self, tx: Tx, key: str) -> None:
        """Hold a lock on ``key`` until ``tx`` ends."""
        ...

    def hold(self, key: str) -> AbstractContextManager[None]:
        """Hold a lock on ``key`` for a ``with`` block that spans several transactions."""
        ...

    def close(self) -> None:
        """Release every connection."""
        ...


class CursorTx:
    """A ``Tx`` over a DB-API connection; ``translate`` adapts the placeholders."""

    def __init__(self, connection: Any, translate: Callable[[str], str] = str) -> None:
        self._connection = connection
        self._translate = translate

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a query and return every row."""
        return list(self._connection.execute(self._translate(sql), tuple(params)).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run a query and return its first row, if any."""
        row = self._connection.execute(self._translate(sql), tuple(params)).fetchone()
        return None if row is None else tuple(row)

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement and return how many rows it changed."""
        return int(self._connection.execute(self._translate(sql), tuple(params)).rowcount)

    def run_many(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter tuple."""
        batch = [tuple(p) for p in params]
        if batch:
            self._connection.cursor().executemany(self._translate(sql), batch)
