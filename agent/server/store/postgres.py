"""PostgreSQL for several ``agent serve`` replicas: one shared store, psycopg 3 with a pool.

Connections are in autocommit mode; every write is an explicit transaction in READ COMMITTED,
made safe for concurrent replicas by the two tools the store uses: ``FOR UPDATE SKIP LOCKED``
on the work queue and transaction-scoped advisory locks on dedup keys. A deadlock or a
serialisation failure is retried (the whole transaction, a few times); a database that cannot
be reached is ``StoreUnavailable``, which a webhook answers with a 5xx so the sender retries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from agent.errors import StoreError, StoreUnavailable

from .database import CursorTx, Dialect, Tx

T = TypeVar("T")

# How many times a transaction runs when PostgreSQL asks for a retry.
_ATTEMPTS = 3
# How long a caller waits for a free connection, and start-up for the first one (seconds).
_CONNECTION_WAIT_S = 10.0
_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)


@functools.lru_cache(maxsize=512)
def _placeholders(sql: str) -> str:
    # The store's SQL uses ``?`` (never a literal ``?`` or ``%``); psycopg wants ``%s``.
    return sql.replace("%", "%%").replace("?", "%s")


def describe(url: str) -> str:
    """``postgresql://user@host:port/dbname`` — the URL without its password or options."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparseable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


class PostgresDatabase:
    """A ``Database`` on a PostgreSQL server, through a connection pool."""

    dialect: Dialect = "postgres"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self._description = describe(url)
        try:
            # One direct connection first: a wrong password or host fails now, with the
            # server's own words, instead of as a pool timeout.
            psycopg.connect(url, connect_timeout=int(_CONNECTION_WAIT_S)).close()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreUnavailable(f"cannot connect to {self._description}: {reason}") from exc
        self._pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, pool_size),
            kwargs={"autocommit": True, "application_name": "agent-serve"},
            check=ConnectionPool.check_connection,
            open=False,
            name="agent-store",
            timeout=_CONNECTION_WAIT_S,
        )
        try:
            self._pool.open(wait=True, timeout=_CONNECTION_WAIT_S)
        except PoolTimeout as exc:
            self._pool.close()
            raise StoreUnavailable(
                f"cannot connect to {self._description} within {_CONNECTION_WAIT_S:g}s "
                "(is the server up, and are the URL's host, user and password right?)"
            ) from exc

    @property
    def description(self) -> str:
        """The server and database, without credentials."""
        return self._description

    def transaction(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` in one transaction; retried on a deadlock or serialisation failure."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with self._pool.connection() as conn, conn.transaction():
                    return work(CursorTx(conn, _placeholders))
            except _RETRYABLE as exc:
                if attempt == _ATTEMPTS:
                    raise StoreError(
                        f"{self._description}: transaction failed {_ATTEMPTS} times: {exc}"
                    ) from exc
            except PoolTimeout as exc:
                raise StoreUnavailable(f"{self._description}: no free connection: {exc}") from exc
            except psycopg.OperationalError as exc:
                raise StoreUnavailable(f"{self._description}: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def read(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` on a pooled connection in autocommit mode."""
        try:
            with self._pool.connection() as conn:
                return work(CursorTx(conn, _placeholders))
        except PoolTimeout as exc:
            raise StoreUnavailable(f"{self._description}: no free connection: {exc}") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"{self._description}: {exc}") from exc

    def lock(self, tx: Tx, key: str) -> None:
        """A transaction-scoped advisory lock on a 64-bit hash of ``key``.

        Two keys that share a hash only wait for each other; nothing is ever wrongly merged.
        """
        tx.rows("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """A session advisory lock on ``key``, on a connection kept for the block.

        If this replica dies, PostgreSQL ends the session and the lock with it.
        """
        try:
            with self._pool.connection() as conn:
                conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
                try:
                    yield
                finally:
                    conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        except PoolTimeout as exc:
            raise StoreUnavailable(f"{self._description}: no free connection: {exc}") from exc

    def close(self) -> None:
        """Close the pool and its connections."""
        self._pool.close()
