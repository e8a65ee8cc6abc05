"""The HTTP surface of ``agent serve``: webhooks, the investigations API, health and metrics.

A FastAPI app, so ``/openapi.json`` describes the API; the web console (``agent.server.console``)
is served by the same app. Reads need a viewer or approver token. Webhook and approval bodies
are read raw, with a size cap, by the route itself: signatures cover the exact bytes, and an
unauthenticated client must not make the server buffer or parse anything first. All blocking
work — SQLite, the gate — runs in the thread pool so the event loop keeps answering.
``create_app`` takes its collaborators as arguments; ``build_server`` wires the real ones.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from fastapi.telemetry import TelemetryConfig
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from agent.notify.outbox import Outbox
from agent.report.render import render_markdown

from .access import SESSION_COOKIE, Access, Principal
from .answers import ERROR_ANSWERS, error
from .approvals import ApiError, Approvals
from .auth import AuthFailure, approver_identity
from .console import Denied, SecurityHeaders, console_router, denied
from .console.explore import Explore
from .intake import Intake
from .metrics import Metrics
from .payloads import BadPayload
from .schemas import (
    ApproveAnswer,
    ApproveBody,
    ErrorBody,
    Health,
    InvestigationDetail,
    InvestigationList,
    InvestigationSummary,
    RejectAnswer,
    RejectBody,
    WebhookAccepted,
    served,
)
from .slack import SlackInteractions
from .store import Status, Store
from .workers import WorkerPool

SOURCES = ("alertmanager", "grafana", "pagerduty")
_DECISION_BODY_LIMIT = 64 * 1024


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
    access: Access
    outbox: Outbox | None = None
    slack: SlackInteractions | None = None
    explore: Explore = field(default_factory=Explore)
    clock: Callable[[], float] = time.time  # the store's clock: ages in the console


class MarkdownResponse(PlainTextResponse):
    """A report rendered as Markdown."""

    media_type = "text/markdown"


class MetricsResponse(PlainTextResponse):
    """The Prometheus text exposition format."""

    media_type = "text/plain; version=0.0.4"


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


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


def _server(request: Request) -> Server:
    server: Server = request.app.state.server
    return server


ServerDep = Annotated[Server, Depends(_server)]
# Only documents the scheme in /openapi.json; ``_approver`` does the checking (and auditing).
_bearer = HTTPBearer(auto_error=False, description="An approver's own token.")


async def _approver(request: Request, server: ServerDep) -> str:
    who = approver_identity(request.headers, server.approver_tokens)
    if isinstance(who, AuthFailure):
        await run_in_threadpool(
            server.store.audit, "approval_refused", reason=who.reason, path=request.url.path
        )
        raise ApiError(who.status, who.reason)
    return who


ApproverDep = Annotated[str, Depends(_approver)]
_viewer_bearer = HTTPBearer(auto_error=False, description="A viewer's or approver's token.")


async def _reader(request: Request, server: ServerDep) -> Principal:
    # A bearer token decides when one is sent; else the console's session cookie may.
    found = server.access.reader(request.headers)
    if found is None:
        session = server.access.session(request.cookies.get(SESSION_COOKIE))
        if session is not None:
            return session.principal
        found = AuthFailure(
            401, "missing credentials: send Authorization: Bearer <token> from server.viewer_tokens"
        )
    if isinstance(found, AuthFailure):
        raise ApiError(found.status, found.reason)
    return found


# Every read of investigations, reports and metrics needs a viewer (or approver) token.
_READ = [Depends(_reader), Security(_viewer_bearer)]

_Body = TypeVar("_Body", bound=BaseModel)


async def _decision_body(request: Request, model: type[_Body]) -> _Body:
    # Read only after the approver is known; an empty body is an empty object.
    raw = await _read_body(request, _DECISION_BODY_LIMIT)
    try:
        return model.model_validate_json(raw if raw.strip() else b"{}")
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def _body_doc(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    # The routes read their bodies themselves (raw, capped), so OpenAPI is told about them here.
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": required, "content": content}}


router = APIRouter()


def _webhook_route(source: str) -> Callable[..., Any]:
    async def receive(request: Request, server: ServerDep) -> JSONResponse:
        try:
            body = await _read_body(request, server.max_body_bytes)
        except BadPayload as exc:
            answer = server.intake.refuse(source, exc)
        else:
            headers = {k.lower(): v for k, v in request.headers.items()}
            answer = await run_in_threadpool(server.intake.handle, source, headers, body)
        return JSONResponse(answer.body, status_code=answer.status)

    return receive


_WEBHOOK_AUTH = {
    "alertmanager": "`Authorization: Bearer <token>` (`http_config.authorization`).",
    "grafana": "HMAC-SHA256 of the body (and timestamp, when configured) in the signature header.",
    "pagerduty": "`X-PagerDuty-Signature: v1=<HMAC-SHA256 of the body>`.",
}
for _source in SOURCES:
    router.add_api_route(
        f"/webhooks/{_source}",
        _webhook_route(_source),
        methods=["POST"],
        operation_id=f"receive_{_source}_webhook",
        summary=f"Receive a {_source} webhook",
        description=f"Stores the alerts before answering 200. Authentication: "
        f"{_WEBHOOK_AUTH[_source]}",
        tags=["webhooks"],
        responses={200: {"model": WebhookAccepted}, **_errors(400, 401, 403, 413, 422)},
        openapi_extra=_body_doc(
            {"type": "object", "description": f"The {_source} webhook payload, as sent."}
        ),
    )


@router.post("/webhooks/{source}", include_in_schema=False)
async def unknown_webhook(source: str) -> JSONResponse:
    """Name the sources instead of a bare 404."""
    return error(404, f"unknown webhook source {source!r}; use one of {', '.join(SOURCES)}")


@router.get(
    "/investigations", tags=["investigations"], responses=_errors(400, 401, 403), dependencies=_READ
)
async def list_investigations(
    server: ServerDep,
    status: Annotated[Status | None, Query(description="Only this status.")] = None,
    alert: Annotated[str | None, Query(description="Only this alert fingerprint.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
) -> InvestigationList:
    """Investigations, newest first."""
    rows = await run_in_threadpool(server.store.search, status, alert, limit)
    return InvestigationList(investigations=[InvestigationSummary.of(r) for r in rows])


@router.get(
    "/investigations/{investigation_id}",
    tags=["investigations"],
    responses=_errors(401, 403, 404),
    dependencies=_READ,
)
async def get_investigation(investigation_id: str, server: ServerDep) -> InvestigationDetail:
    """One investigation with its report (``null`` until it has one)."""
    row = await run_in_threadpool(server.store.get, investigation_id)
    if row is None:
        raise ApiError(404, f"no investigation {investigation_id!r}")
    deliveries = (
        await run_in_threadpool(server.outbox.records, investigation_id) if server.outbox else []
    )
    return InvestigationDetail.model_validate(
        {**served(row), "report": row.report, "deliveries": deliveries}
    )


@router.get(
    "/investigations/{investigation_id}/report.md",
    tags=["investigations"],
    response_class=MarkdownResponse,
    responses=_errors(401, 403, 404, 409),
    dependencies=_READ,
)
async def get_report_markdown(investigation_id: str, server: ServerDep) -> str:
    """The report rendered as Markdown; 409 while the investigation has none."""
    row = await run_in_threadpool(server.store.get, investigation_id)
    if row is None:
        raise ApiError(404, f"no investigation {investigation_id!r}")
    if row.report is None:
        raise ApiError(409, f"investigation {row.id} is {row.status}; no report yet")
    return render_markdown(row.report)


_DECISION = "/investigations/{investigation_id}/remediations/{remediation_id}"


@router.post(
    f"{_DECISION}/approve",
    tags=["remediations"],
    responses=_errors(400, 401, 403, 404, 409, 413, 429, 503),
    dependencies=[Security(_bearer)],
    openapi_extra=_body_doc(ApproveBody.model_json_schema()),
)
async def approve_remediation(
    investigation_id: str, remediation_id: str, request: Request, server: ServerDep,
    approver: ApproverDep,
) -> ApproveAnswer:  # fmt: skip
    """Carry out a proposed remediation through the same gate as ``agent approve``."""
    body = await _decision_body(request, ApproveBody)
    answer = await run_in_threadpool(
        server.approvals.approve,
        investigation_id, remediation_id, approver, body.confirm, body.dry_run,
    )  # fmt: skip
    return ApproveAnswer.model_validate(answer)


@router.post(
    f"{_DECISION}/reject",
    tags=["remediations"],
    responses=_errors(400, 401, 403, 404, 409, 413),
    dependencies=[Security(_bearer)],
    openapi_extra=_body_doc(RejectBody.model_json_schema(), required=False),
)
async def reject_remediation(
    investigation_id: str, remediation_id: str, request: Request, server: ServerDep,
    approver: ApproverDep,
) -> RejectAnswer:  # fmt: skip
    """Reject a proposed remediation; it can then never be approved."""
    body = await _decision_body(request, RejectBody)
    answer = await run_in_threadpool(
        server.approvals.reject, investigation_id, remediation_id, approver, body.reason
    )
    return RejectAnswer.model_validate(answer)


@router.post(f"{_DECISION}/{{verb}}", include_in_schema=False)
async def unknown_decision(verb: str) -> JSONResponse:
    """Name the two decisions instead of a bare 404."""
    return error(404, f"unknown decision {verb!r}; use .../approve or .../reject")


@router.post(
    "/slack/interactions",
    tags=["webhooks"],
    responses=_errors(400, 401, 404, 413),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
            "payload": {"type": "string", "description": "The interaction, as JSON."}}}}}}},
)  # fmt: skip
async def slack_interactions(request: Request, server: ServerDep) -> JSONResponse:
    """Slack's Approve / Reject buttons and modals, verified with the app's signing secret."""
    if server.slack is None or not server.slack.configured:
        raise ApiError(404, "Slack interactions are not configured (notify sink signing secret)")
    body = await _read_body(request, _DECISION_BODY_LIMIT)
    headers = {k.lower(): v for k, v in request.headers.items()}
    answer = await run_in_threadpool(server.slack.handle, headers, body)
    return JSONResponse(answer.body, status_code=answer.status)


@router.get("/healthz", tags=["operations"])
async def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get(
    "/metrics",
    tags=["operations"],
    response_class=MetricsResponse,
    responses=_errors(401, 403),
    dependencies=_READ,
)
async def metrics(server: ServerDep) -> str:
    """Server metrics in the Prometheus text format."""
    counts = await run_in_threadpool(server.store.counts)
    deliveries = await run_in_threadpool(server.outbox.counts) if server.outbox else None
    return server.metrics.render(counts, queue_depth=counts["queued"], deliveries=deliveries)


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


def _answer_head(routes: APIRouter) -> None:
    # Starlette answered HEAD on every GET route (load balancers probe with it); FastAPI's
    # routes answer only the methods they list. Hidden twins keep HEAD without doubling the docs.
    for route in list(routes.routes):
        if isinstance(route, APIRoute) and "GET" in (route.methods or ()):
            routes.add_api_route(
                route.path,
                route.endpoint,
                methods=["HEAD"],
                response_class=route.response_class,
                include_in_schema=False,
            )


@router.get("/openapi.json", include_in_schema=False, dependencies=[Depends(_reader)])
async def openapi(request: Request) -> JSONResponse:
    """The OpenAPI document, for readers only (no Swagger UI: it would load assets from a CDN)."""
    return JSONResponse(request.app.openapi())


_answer_head(router)


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
