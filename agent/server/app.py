"""The ASGI application of ``agent serve``: the API routes and the web console on one app.

A FastAPI app, so ``/openapi.json`` describes the API (``routes``); the web console
(``agent.server.console``) is served by the same app. Reads need a viewer or approver token.
``create_app`` takes its collaborators as arguments; ``build_server`` wires the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig

from .answers import ERROR_ANSWERS
from .console import Denied, SecurityHeaders, console_router, denied
from .deps import Server
from .routes import router


def _version() -> str:
    try:
        return version("incident-agent")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


# FastAPI's built-in OpenTelemetry would add spans, metrics and logs (with request values) to
# whatever providers the process has, and read FASTAPI_OTEL_AUTO_CONFIGURE from the
# environment; the server records its own audit trail, so it stays off.
_NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def _operation_id(route: APIRoute) -> str:
    return route.name  # the function's name: list_investigations, approve_remediation, ...


def create_app(server: Server, *, start_workers: bool = True) -> FastAPI:
    """The ASGI application; starts the workers on start-up and stops them on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            server.workers.start()
            if server.outbox is not None:
                server.outbox.start()
        try:
            yield
        finally:
            if start_workers:
                server.workers.close()
                if server.outbox is not None:
                    server.outbox.close()

    app = FastAPI(
        title="agent serve",
        version=_version(),
        description="Alert webhooks in, read-only incident investigations out. Proposed "
        "remediations run only when an approver approves them here or with `agent approve`.",
        lifespan=lifespan,
        exception_handlers={**ERROR_ANSWERS, Denied: denied},
        telemetry=_NO_TELEMETRY,
        generate_unique_id_function=_operation_id,
        # Swagger UI and ReDoc load their scripts from a CDN; /openapi.json is served above.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.server = server
    app.include_router(router)
    app.include_router(console_router)
    app.add_middleware(SecurityHeaders)
    return app
