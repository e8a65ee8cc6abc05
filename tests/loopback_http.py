"""A loopback HTTP(S) server for tests: each request goes to a handler and is recorded.

Backends behind auth (tests/tools) and notification APIs (tests/notify) both use it: the
handler sees the method, path, query, headers and body, and answers (status, headers, body).
With an ``ssl.SSLContext`` it serves HTTPS (and can demand a client certificate).
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    client_cert: dict[str, Any] | None = None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    """What the handler answers."""

    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Seen], Answer]


@dataclass
class Loopback:
    """A running server: its URL and every request it received."""

    url: str
    seen: list[Seen]

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


@contextmanager
def serve(handler: Handler, tls: ssl.SSLContext | None = None) -> Iterator[Loopback]:
    seen: list[Seen] = []
    lock = threading.Lock()

    class _Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            cert = None
            if isinstance(self.connection, ssl.SSLSocket):
                cert = self.connection.getpeercert() or None
            request = Seen(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                client_cert=cert,
            )
            with lock:
                seen.append(request)
            answer = handler(request)
            body = answer.body
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(answer.status)
            headers = {"Content-Type": "application/json", **answer.headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Loopback(f"{scheme}://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()
