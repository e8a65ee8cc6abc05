"""The network guard: tests may talk only to loopback (or Unix sockets).

Installed by ``tests/conftest.py`` when pytest configures itself, before any fixture runs.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any


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


def install() -> None:
    """Route socket connects and name resolution through the loopback check."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def uninstall() -> None:
    """Restore the real socket functions."""
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo
