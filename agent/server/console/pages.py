"""Rendering the console: the Jinja2 environment, error pages, static files, security headers.

Autoescaping is on for every template, so every string that came from telemetry (log lines,
span names, labels, annotations, the model's prose) is text, never markup. The
Content-Security-Policy allows scripts and styles from this server only (no inline script, no
inline style, no other origin), so even a string that escaped escaping could not run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..access import Session
from .views import safe_link

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_STATIC = {"console.css": "text/css", "console.js": "text/javascript"}


def _when(moment: Any) -> str:
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, UTC)
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(moment)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(when=_when, percent=_percent, safe_link=safe_link)


def render(request: Request, template: str, code: int, **values: Any) -> HTMLResponse:
    """``template`` rendered with ``values`` (and the session's CSRF token, if any)."""
    session: Session | None = values.get("session")
    values.setdefault("csrf", session.csrf if session is not None else None)
    html = ENV.get_template(template).render(path=request.url.path, **values)
    return HTMLResponse(html, status_code=code)


def error(request: Request, status: int, message: str, back: str | None = None) -> HTMLResponse:
    """An error page that names what was wrong."""
    return render(request, "error.html", status, status=status, message=message, back=back,
                  principal=None, session=None)  # fmt: skip


def static(name: str) -> Response:
    """One of the console's own static files, or 404."""
    kind = _STATIC.get(name)
    if kind is None:
        return Response("not found", status_code=404, media_type="text/plain")
    body = (HERE / "static" / name).read_bytes()
    return Response(body, media_type=kind, headers={"Cache-Control": "max-age=300"})


class SecurityHeaders:
    """ASGI middleware: no sniffing, no referrer, no framing, the CSP; pages are not cached."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self._app(scope, receive, send_with_headers)
