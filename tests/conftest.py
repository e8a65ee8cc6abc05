"""Suite-wide guards and shared fixtures.

The network guard is installed when pytest configures itself, before any fixture runs, so every
test, fixture and background thread may talk only to loopback (or Unix sockets).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
INCIDENTS = REPO / "fixtures" / "incidents"


class NonLoopbackConnection(RuntimeError):
    """A test tried to reach an address outside the loopback range."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def check_address(family: int, address: Any) -> None:
    """Raise unless ``address`` is loopback (or a Unix socket path)."""
    if family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else str(address)
    if not _is_loopback(str(host)):
        raise NonLoopbackConnection(f"tests may only connect to loopback, not {address!r}")


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: Any) -> None:
    check_address(self.family, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    check_address(self.family, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # Resolving a name is already traffic (DNS); only loopback names and literals resolve.
    if host is not None and not _is_loopback(host.decode() if isinstance(host, bytes) else host):
        raise NonLoopbackConnection(f"tests may not resolve non-loopback host {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


def bundle_dirs() -> list[Path]:
    """Every bundled incident, sorted by id."""
    return sorted(p for p in INCIDENTS.iterdir() if (p / "incident.yaml").is_file())


@pytest.fixture(scope="session")
def incidents_dir() -> Iterator[Path]:
    yield INCIDENTS
