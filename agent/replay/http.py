"""Serve ASGI apps on loopback ports from one background thread.

Every replay backend is an ASGI app. ``LoopbackServers`` binds one socket per app on
``127.0.0.1`` with a free port, then runs a single uvicorn server in a daemon thread; a small
dispatcher routes each request to the app that owns the port it arrived on. One event loop for
all backends keeps start-up fast (well under a second) and the thread count flat.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import uvicorn

from agent.errors import ReplayError

ASGIApp = Any  # an ASGI application: async (scope, receive, send) -> None

_START_TIMEOUT_S = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now, for a server that cannot bind port 0.

    Another process may take it before the server binds it; callers retry on a bind failure.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _PortDispatcher:
    """ASGI app that forwards each connection to the app bound to its local port."""

    def __init__(self, apps_by_port: Mapping[int, ASGIApp]) -> None:
        self._apps = dict(apps_by_port)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            # Sub-apps are plain request handlers; acknowledge lifespan ourselves.
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        port = scope["server"][1]
        await self._apps[port](scope, receive, send)


class LoopbackServers:
    """Run named ASGI apps on free loopback ports until closed.

    Use as a context manager; ``urls`` maps each name to ``http://127.0.0.1:<port>``.
    """

    def __init__(self, apps: Mapping[str, ASGIApp], host: str = "127.0.0.1") -> None:
        self._apps = dict(apps)
        self._host = host
        self._sockets: list[socket.socket] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.urls: dict[str, str] = {}

    def start(self) -> LoopbackServers:
        """Bind the sockets and start serving; returns once every port accepts requests."""
        apps_by_port: dict[int, ASGIApp] = {}
        for name, app in self._apps.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Accepted sockets inherit TCP_NODELAY on Linux; without it, Nagle and delayed
            # ACKs add ~40 ms to every request on a kept-alive connection.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((self._host, 0))
            port = sock.getsockname()[1]
            self._sockets.append(sock)
            apps_by_port[port] = app
            self.urls[name] = f"http://{self._host}:{port}"
        config = uvicorn.Config(
            _PortDispatcher(apps_by_port), log_level="warning", access_log=False, lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": self._sockets},
            daemon=True,
            name="replay-servers",
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise ReplayError("replay HTTP servers did not start")
            time.sleep(0.005)
        return self

    def close(self) -> None:
        """Stop serving and release the ports."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def __enter__(self) -> LoopbackServers:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
