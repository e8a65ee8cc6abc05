import socket

import pytest
from netguard import NonLoopbackConnection, check_address


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "::1", "localhost"])
def test_loopback_is_allowed(host: str) -> None:
    check_address(socket.AF_INET, (host, 80))


@pytest.mark.parametrize(
    "host", ["203.0.113.7", "10.0.0.1", "192.168.1.1", "example.com", "0.0.0.0"]
)
def test_other_addresses_are_refused(host: str) -> None:
    with pytest.raises(NonLoopbackConnection):
        check_address(socket.AF_INET, (host, 80))


def test_guard_is_installed_on_sockets() -> None:
    # Resolution is refused before any packet leaves, so this sends nothing.
    with pytest.raises(NonLoopbackConnection):
        socket.getaddrinfo("example.com", 443)
    with socket.socket() as sock, pytest.raises(NonLoopbackConnection):
        sock.connect(("203.0.113.7", 9))
