"""The store's tests run against both backends: SQLite and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from store_fakes import Backend

from agent.server.store.database import Database
from agent.server.store.sqlite import SqliteDatabase


@pytest.fixture(params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """Opens stores ("replicas") on one fresh database of the parametrised kind."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "server.db"

        def connect() -> Database:
            return SqliteDatabase(path)
    else:
        from agent.server.store.postgres import PostgresDatabase

        url = request.getfixturevalue("postgres_url")

        def connect() -> Database:
            return PostgresDatabase(url, pool_size=4)

    backend = Backend(request.param, connect)
    try:
        yield backend
    finally:
        backend.close()
