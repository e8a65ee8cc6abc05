"""Suite-wide guards and shared fixtures.

The network guard is installed when pytest configures itself, before any fixture runs, so every
test, fixture and background thread may talk only to loopback (or Unix sockets).

Test modules and helper modules live in directories without ``__init__.py``; their basenames
must be unique across the whole tree (``test_k8s_*.py``, ``k8s_cluster.py``, ...).
"""

from __future__ import annotations

from pathlib import Path

import netguard
import pytest

REPO = Path(__file__).resolve().parent.parent
INCIDENTS = REPO / "fixtures" / "incidents"


def pytest_configure(config: pytest.Config) -> None:
    netguard.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    netguard.uninstall()


def bundle_dirs() -> list[Path]:
    """Every bundled incident, sorted by id."""
    return sorted(p for p in INCIDENTS.iterdir() if (p / "incident.yaml").is_file())
