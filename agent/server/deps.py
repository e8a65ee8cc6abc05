"""What every route of ``agent serve`` shares: the ``Server`` it runs on and who is asking.

A route finds its ``Server`` on the app (``ServerDep``) and learns its caller from a dependency
(``ApproverDep``; ``READ`` for every read); it reads its body itself (``bodies.read_body``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from agent.notify.outbox import Outbox

from .access import SESSION_COOKIE, Access, Principal
from .approvals import ApiError, Approvals
from .auth import AuthFailure, approver_identity
from .console.explore import Explore
from .intake import Intake
from .metrics import Metrics
from .slack import SlackInteractions
from .store import Store
from .workers import WorkerPool


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


def server_of(request: Request) -> Server:
    """The ``Server`` this app runs on."""
    server: Server = request.app.state.server
    return server


ServerDep = Annotated[Server, Depends(server_of)]
# Only documents the scheme in /openapi.json; ``approver`` does the checking (and auditing).
approver_bearer = HTTPBearer(auto_error=False, description="An approver's own token.")


async def approver(request: Request, server: ServerDep) -> str:
    """The approver the request's bearer token names; a refusal is audited.

    Raises:
        ApiError: no approver token (401), or not an approver's (403).
    """
    who = approver_identity(request.headers, server.approver_tokens)
    if isinstance(who, AuthFailure):
        await run_in_threadpool(
            server.store.audit, "approval_refused", reason=who.reason, path=request.url.path
        )
        raise ApiError(who.status, who.reason)
    return who


ApproverDep = Annotated[str, Depends(approver)]
reader_bearer = HTTPBearer(auto_error=False, description="A viewer's or approver's token.")


async def reader(request: Request, server: ServerDep) -> Principal:
    """Who may read: a viewer's or approver's bearer token, else the console's session.

    Raises:
        ApiError: no credentials (401), or not a reader's (403).
    """
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
READ = [Depends(reader), Security(reader_bearer)]
