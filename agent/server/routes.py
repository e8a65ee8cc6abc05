"""The routes of the HTTP API: webhooks, investigations, remediation decisions, operations.

Webhook and approval bodies are read raw, with a size cap, by the route itself (``bodies``); all
blocking work — the database, the gate — runs in the thread pool so the event loop keeps
answering.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from agent.report.render import render_markdown

from .answers import error
from .approvals import ApiError
from .bodies import read_body
from .deps import READ, ApproverDep, ServerDep, approver_bearer, reader
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
from .store import Status

SOURCES = ("alertmanager", "grafana", "pagerduty")
_DECISION_BODY_LIMIT = 64 * 1024


class MarkdownResponse(PlainTextResponse):
    """A report rendered as Markdown."""

    media_type = "text/markdown"


class MetricsResponse(PlainTextResponse):
    """The Prometheus text exposition format."""

    media_type = "text/plain; version=0.0.4"


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


_Body = TypeVar("_Body", bound=BaseModel)


async def _decision_body(request: Request, model: type[_Body]) -> _Body:
    # Read only after the approver is known; an empty body is an empty object.
    raw = await read_body(request, _DECISION_BODY_LIMIT)
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
            body = await read_body(request, server.max_body_bytes)
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
    "/investigations", tags=["investigations"], responses=_errors(400, 401, 403), dependencies=READ
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
    dependencies=READ,
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
    dependencies=READ,
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
    dependencies=[Security(approver_bearer)],
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
    dependencies=[Security(approver_bearer)],
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
    body = await read_body(request, _DECISION_BODY_LIMIT)
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
    dependencies=READ,
)
async def metrics(server: ServerDep) -> str:
    """Server metrics in the Prometheus text format."""
    counts = await run_in_threadpool(server.store.counts)
    deliveries = await run_in_threadpool(server.outbox.counts) if server.outbox else None
    return server.metrics.render(counts, queue_depth=counts["queued"], deliveries=deliveries)


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


@router.get("/openapi.json", include_in_schema=False, dependencies=[Depends(reader)])
async def openapi(request: Request) -> JSONResponse:
    """The OpenAPI document, for readers only (no Swagger UI: it would load assets from a CDN)."""
    return JSONResponse(request.app.openapi())


_answer_head(router)
