"""The console's pages and forms, served by ``agent serve`` next to the API.

Pages accept a bearer token (viewer or approver) or the session cookie the login form sets;
without either a browser is sent to the login form. Every form that changes state carries the
session's CSRF token (login carries a double-submit token, as there is no session yet). Approve
and reject call the same ``Approvals`` as the API, so the gate, its audit log and the approver
identity are the same as ``agent approve``'s; the approver is the session's, never a form field.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..access import SESSION_COOKIE, SESSION_SECONDS, Principal, Session, csrf_matches
from ..approvals import ApiError
from ..auth import AuthFailure
from ..bodies import read_body
from . import pages
from .views import FILTERS, hypothesis_views, list_rows, namespaces

if TYPE_CHECKING:
    from ..deps import Server

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "agent_login_csrf"
_FORM_LIMIT = 16 * 1024
_LIST_LIMIT = 200


class Denied(Exception):
    """The request may not see this page: answer with ``response`` (see ``denied``)."""

    def __init__(self, response: Response) -> None:
        super().__init__("denied")
        self.response = response


async def denied(request: Request, exc: Exception) -> Response:
    """The exception handler answering a ``Denied`` page request."""
    assert isinstance(exc, Denied)
    return exc.response


def _server(request: Request) -> Server:
    server: Server = request.app.state.server
    return server


def _local(path: str) -> str:
    # Only a path on this server: "//host" or "https://host" would be an open redirect.
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def _identify(request: Request) -> tuple[Principal, Session | None]:
    server = _server(request)
    found = server.access.reader(request.headers)
    if isinstance(found, AuthFailure):
        raise Denied(pages.error(request, found.status, found.reason))
    if found is not None:
        return found, None
    session = server.access.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Denied(RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303))
    return session.principal, session


async def _form(request: Request) -> dict[str, str]:
    body = await read_body(request, _FORM_LIMIT, "form")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {name: values[0] for name, values in fields.items()}


async def _decider(
    request: Request,
) -> tuple[tuple[Principal, Session | None], dict[str, str]]:
    who = principal, session = _identify(request)
    form = await _form(request)
    refusal = None
    if session is not None and not csrf_matches(session, form.get("csrf")):
        refusal = "the form's CSRF token is missing or stale; reload the page and try again"
    elif not principal.may_decide:
        refusal = (f"{principal.name} is a viewer; only approvers (server.approver_tokens) "
                   "may approve or reject")  # fmt: skip
    if refusal is not None:
        # Audited like the API's refused approvals: who tried, and why it was refused.
        await run_in_threadpool(_server(request).store.audit, "approval_refused",
                                reason=refusal, who=principal.name, path=request.url.path)  # fmt: skip
        raise Denied(pages.error(request, 403, refusal))
    return who, form


def _page(
    request: Request, who: tuple[Principal, Session | None], template: str, **values: Any
) -> HTMLResponse:
    principal, session = who
    return pages.render(request, template, 200, principal=principal, session=session, **values)


@router.get("/")
async def investigations(
    request: Request, status: str | None = None, namespace: str | None = None
) -> Response:
    """The investigations list."""
    who = _identify(request)
    rows = await run_in_threadpool(_server(request).store.search, None, None, _LIST_LIMIT)
    shown = list_rows(rows, _server(request).clock(), status or None, namespace or None)
    return _page(request, who, "list.html", rows=shown, filters=FILTERS, status=status or "",
                 namespace=namespace or "", namespaces=namespaces(rows))  # fmt: skip


@router.get("/ui/rows")
async def investigation_rows(
    request: Request, status: str | None = None, namespace: str | None = None
) -> Response:
    """The list's rows alone, for the page's live update."""
    _identify(request)
    rows = await run_in_threadpool(_server(request).store.search, None, None, _LIST_LIMIT)
    shown = list_rows(rows, _server(request).clock(), status or None, namespace or None)
    return pages.render(request, "rows.html", 200, rows=shown)


@router.get("/ui/investigations/{investigation_id}")
async def investigation(request: Request, investigation_id: str) -> Response:
    """One investigation: root cause, ranked hypotheses with charts, timeline, proposals."""
    who = _identify(request)
    server = _server(request)
    row = await run_in_threadpool(server.store.get, investigation_id)
    if row is None:
        return pages.error(request, 404, f"no investigation {investigation_id!r}")
    decisions = await run_in_threadpool(server.approvals.decisions, row.report)
    hypotheses = hypothesis_views(row.report, row.state, server.explore) if row.report else []
    return _page(request, who, "investigation.html", row=row, report=row.report,
                 hypotheses=hypotheses, decisions=decisions)  # fmt: skip


_REMEDIATION = "/ui/investigations/{investigation_id}/remediations/{remediation_id}"


@router.get(_REMEDIATION)
async def review(request: Request, investigation_id: str, remediation_id: str) -> Response:
    """The exact request an approval would send, and the form to approve or reject it."""
    who = principal, _ = _identify(request)
    server = _server(request)
    row = await run_in_threadpool(server.store.get, investigation_id)
    remediation = row.report.remediation(remediation_id) if row and row.report else None
    if row is None or remediation is None:
        return pages.error(request, 404, f"no remediation {remediation_id!r} in "
                           f"investigation {investigation_id!r}")  # fmt: skip
    preview, problem = None, None
    if principal.may_decide:  # the live request is read with the executor's credentials
        try:
            preview = await run_in_threadpool(
                server.approvals.preview, investigation_id, remediation_id, principal.name
            )
        except ApiError as error:
            problem = str(error)
    return _page(request, who, "remediation.html", row=row, remediation=remediation,
                 preview=preview, problem=problem)  # fmt: skip


@router.post(_REMEDIATION + "/approve")
async def approve(request: Request, investigation_id: str, remediation_id: str) -> Response:
    """Approve through the gate: the typed confirmation must be the target's namespace/name."""
    who, form = await _decider(request)
    approvals = _server(request).approvals
    confirm = form.get("confirm", "")  # the console never dry-runs: the page showed the request
    return await _decided(request, who, investigation_id, remediation_id,
                          lambda: approvals.approve(investigation_id, remediation_id, who[0].name, confirm, False))  # fmt: skip


@router.post(_REMEDIATION + "/reject")
async def reject(request: Request, investigation_id: str, remediation_id: str) -> Response:
    """Reject a proposal; it can then never be approved."""
    who, form = await _decider(request)
    approvals = _server(request).approvals
    reason = form.get("reason", "")
    return await _decided(request, who, investigation_id, remediation_id,
                          lambda: approvals.reject(investigation_id, remediation_id, who[0].name, reason))  # fmt: skip


async def _decided(
    request: Request,
    who: tuple[Principal, Session | None],
    investigation_id: str,
    remediation_id: str,
    decide: Callable[[], dict[str, Any]],
) -> Response:
    # Run the decision off the event loop; show what the gate did, or why it refused.
    try:
        outcome = await run_in_threadpool(decide)
    except ApiError as error:
        return pages.error(request, error.status, str(error), back=_back(investigation_id))
    return _page(request, who, "decided.html", investigation_id=investigation_id,
                 remediation_id=remediation_id, outcome=outcome)  # fmt: skip


def _back(investigation_id: str) -> str:
    return f"/ui/investigations/{quote(investigation_id)}"


@router.get("/ui/login")
async def login_form(request: Request, next: str = "/") -> Response:
    """The login form; sets the double-submit CSRF cookie it posts back."""
    token = secrets.token_urlsafe(32)
    response = pages.render(request, "login.html", 200, next=_local(next), csrf=token,
                            principal=None, session=None, problem=None)  # fmt: skip
    _cookie(request, response, LOGIN_CSRF_COOKIE, token, 600, path="/ui/login")
    return response


@router.post("/ui/login")
async def login(request: Request) -> Response:
    """Trade a viewer or approver token for a session cookie."""
    form = await _form(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = form.get("csrf", "")
    if not expected or not secrets.compare_digest(expected, given):
        return pages.error(request, 403, "the login form's CSRF token is missing or stale; "
                           "reload the login page")  # fmt: skip
    session = _server(request).access.login(form.get("token", ""))
    if session is None:
        return pages.render(request, "login.html", 403, next=_local(form.get("next", "/")),
                                csrf=given, principal=None, session=None,
                                problem="That token is not a viewer or approver token.")  # fmt: skip
    response = RedirectResponse(_local(form.get("next", "/")), status_code=303)
    _cookie(request, response, SESSION_COOKIE, session.id, int(SESSION_SECONDS))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui/login")
    return response


@router.post("/ui/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    server = _server(request)
    session = server.access.session(request.cookies.get(SESSION_COOKIE))
    form = await _form(request)
    if session is not None and csrf_matches(session, form.get("csrf")):
        server.access.logout(session.id)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _cookie(
    request: Request, response: Response, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


@router.get("/ui/static/{name}")
async def static(name: str) -> Response:
    """The console's stylesheet and script (shipped in the package; nothing from a CDN)."""
    return pages.static(name)
