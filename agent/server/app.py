"""The HTTP surface of ``agent serve``: webhooks, the investigations API, health and metrics.

Built on Starlette (already a dependency; FastAPI would add only a layer we do not need). All
blocking work — SQLite, the gate — runs in the thread pool so the event loop keeps answering.
``create_app`` takes its collaborators as arguments; ``build_server`` wires the real ones.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agent.report.render import render_markdown

from .approvals import ApiError, Approvals
from .auth import AuthFailure, approver_identity
from .intake import Intake
from .metrics import Metrics
from .payloads import BadPayload
from .store import STATUSES, Store
from .workers import WorkerPool

SOURCES = ("alertmanager", "grafana", "pagerduty")


@dataclass
class Server:
    """Everything one server process holds."""

    store: Store
    intake: Intake
    approvals: Approvals
    workers: WorkerPool
    metrics: Metrics
    approver_tokens: dict[str, str]
    max_body_bytes: int


async def _read_body(request: Request, limit: int) -> bytes:
    # Read with a cap before anything parses it: a client can claim any Content-Length.
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadPayload(f"body of {declared} bytes exceeds the limit of {limit} bytes", 413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadPayload(f"body exceeds the limit of {limit} bytes", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(server: Server, *, start_workers: bool = True) -> Starlette:
    """The ASGI application; starts the workers on start-up and stops them on shutdown."""

    async def webhook(request: Request) -> Response:
        source = request.path_params["source"]
        if source not in SOURCES:
            return _error(
                404, f"unknown webhook source {source!r}; use one of {', '.join(SOURCES)}"
            )
        try:
            body = await _read_body(request, server.max_body_bytes)
        except BadPayload as error:
            answer = server.intake.refuse(source, error)
        else:
            headers = {k.lower(): v for k, v in request.headers.items()}
            answer = await run_in_threadpool(server.intake.handle, source, headers, body)
        return JSONResponse(answer.body, status_code=answer.status)

    async def list_investigations(request: Request) -> Response:
        status = request.query_params.get("status")
        if status is not None and status not in STATUSES:
            return _error(400, f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        limit_text = request.query_params.get("limit", "100")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
            return _error(400, "limit must be an integer from 1 to 1000")
        rows = await run_in_threadpool(
            server.store.search, status, request.query_params.get("alert"), int(limit_text)
        )
        return JSONResponse({"investigations": [r.summary() for r in rows]})

    async def get_investigation(request: Request) -> Response:
        row = await run_in_threadpool(server.store.get, request.path_params["id"])
        if row is None:
            return _error(404, f"no investigation {request.path_params['id']!r}")
        report = row.report.model_dump(mode="json") if row.report else None
        return JSONResponse({**row.summary(), "report": report})

    async def get_markdown(request: Request) -> Response:
        row = await run_in_threadpool(server.store.get, request.path_params["id"])
        if row is None:
            return _error(404, f"no investigation {request.path_params['id']!r}")
        if row.report is None:
            return _error(409, f"investigation {row.id} is {row.status}; no report yet")
        return PlainTextResponse(render_markdown(row.report), media_type="text/markdown")

    async def decide(request: Request) -> Response:
        if request.path_params["verb"] not in ("approve", "reject"):
            return _error(404, "use .../approve or .../reject")
        who = approver_identity(request.headers, server.approver_tokens)
        if isinstance(who, AuthFailure):
            await run_in_threadpool(
                server.store.audit, "approval_refused", reason=who.reason, path=request.url.path
            )
            return _error(who.status, who.reason)
        try:
            fields = _decision_fields(await _read_body(request, 64 * 1024))
        except BadPayload as error:
            return _error(error.status, str(error))
        inv, rid = request.path_params["id"], request.path_params["rid"]
        action: Callable[[], dict[str, Any]]
        if request.path_params["verb"] == "approve":
            confirm = fields.get("confirm")
            if not isinstance(confirm, str):
                return _error(400, 'approve needs {"confirm": "<namespace>/<name>"} of the target')
            dry_run = fields.get("dry_run", False) is True
            action = lambda: server.approvals.approve(inv, rid, who, confirm, dry_run)  # noqa: E731
        else:
            reason = str(fields.get("reason", ""))
            action = lambda: server.approvals.reject(inv, rid, who, reason)  # noqa: E731
        try:
            return JSONResponse(await run_in_threadpool(action))
        except ApiError as error:
            return _error(error.status, str(error))

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def metrics(request: Request) -> Response:
        counts = await run_in_threadpool(server.store.counts)
        text = server.metrics.render(counts, queue_depth=counts["queued"])
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start_workers:
            server.workers.start()
        try:
            yield
        finally:
            if start_workers:
                server.workers.close()

    return Starlette(
        routes=[
            Route("/webhooks/{source}", webhook, methods=["POST"]),
            Route("/investigations", list_investigations, methods=["GET"]),
            Route("/investigations/{id}", get_investigation, methods=["GET"]),
            Route("/investigations/{id}/report.md", get_markdown, methods=["GET"]),
            Route(
                "/investigations/{id}/remediations/{rid}/{verb:str}",
                decide,
                methods=["POST"],
            ),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def _decision_fields(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        fields = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadPayload("body must be a JSON object") from None
    if not isinstance(fields, dict):
        raise BadPayload("body must be a JSON object")
    return fields
