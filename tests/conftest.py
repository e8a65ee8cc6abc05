"""Suite-wide guards and shared fixtures.

The network guard is installed when pytest configures itself, before any fixture runs, so every
test, fixture and background thread may talk only to loopback (or Unix sockets).

Test modules and helper modules live in directories without ``__init__.py``; their basenames
must be unique across the whole tree (``test_k8s_*.py``, ``k8s_cluster.py``, ...).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import netguard
import pytest
from incidents import INCIDENTS

from agent.replay.environment import ReplayEnvironment
from evals.pgcluster import PostgresCluster


def pytest_configure(config: pytest.Config) -> None:
    netguard.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    netguard.uninstall()


@pytest.fixture(scope="session")
def replay() -> Iterator[Callable[[str], ReplayEnvironment]]:
    """Start each bundle's replay environment once per test session (per xdist worker).

    Tests that use it are marked ``xdist_group(<bundle id>)`` so that, with ``--dist
    loadgroup``, every test of one bundle runs on the same worker.
    """
    envs: dict[str, ReplayEnvironment] = {}

    def get(bundle_id: str) -> ReplayEnvironment:
        if bundle_id not in envs:
            env = ReplayEnvironment(INCIDENTS / bundle_id)
            env.start()
            envs[bundle_id] = env
        return envs[bundle_id]

    yield get
    for env in envs.values():
        env.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster (Debian's ``postgresql``), one per xdist worker.

    Created in a temporary directory on first use, stopped and removed at the end. A missing
    PostgreSQL fails the tests that need it (``make test`` installs it), never skips them.
    """
    with PostgresCluster() as cluster:
        yield cluster


_databases = itertools.count()


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> str:
    """The URL of a new, empty database on the session's cluster (one per test)."""
    return postgres.create_database(f"test_{next(_databases)}")
