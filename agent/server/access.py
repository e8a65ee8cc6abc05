"""Who may read and who may decide: viewer and approver credentials, and console sessions.

Readers present ``Authorization: Bearer TOKEN`` with a viewer token (``server.viewer_tokens``)
or an approver token (an approver must see what they approve); only approver tokens may approve
or reject. The console's login form trades a token for a session: a random id in an HttpOnly,
SameSite=Strict cookie, held in memory (a restart logs everyone out), with its own CSRF token
for the forms it posts. Token comparisons are constant-time and look at every token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from .auth import AuthFailure, bearer_token

Role = Literal["viewer", "approver"]
SESSION_COOKIE = "agent_session"
# A working day: an on-call shift logs in once, and a stolen cookie does not live for weeks.
SESSION_SECONDS = 8 * 3600.0


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated reader: their name (from the token's entry) and what they may do."""

    name: str
    role: Role

    @property
    def may_decide(self) -> bool:
        """Whether this principal may approve or reject remediations."""
        return self.role == "approver"


@dataclass(frozen=True, slots=True)
class Session:
    """One console login."""

    id: str
    principal: Principal
    csrf: str
    expires: float


def _lookup(token: str, tokens: Mapping[str, str]) -> str | None:
    found: str | None = None
    for known, who in tokens.items():  # no early exit: timing must not tell which matched
        if hmac.compare_digest(token.encode(), known.encode()):
            found = who
    return found


class Access:
    """Viewer and approver tokens, and the console's sessions."""

    def __init__(
        self,
        viewer_tokens: Mapping[str, str],
        approver_tokens: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._viewers = dict(viewer_tokens)
        self._approvers = dict(approver_tokens)
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def principal(self, token: str) -> Principal | None:
        """Whom ``token`` belongs to; an approver token wins over an equal viewer token."""
        viewer = _lookup(token, self._viewers)
        approver = _lookup(token, self._approvers)
        if approver is not None:
            return Principal(approver, "approver")
        return Principal(viewer, "viewer") if viewer is not None else None

    def reader(self, headers: Mapping[str, str]) -> Principal | AuthFailure | None:
        """The bearer token's principal, why it was refused, or ``None`` when none was sent."""
        token = bearer_token(headers)
        if token is None:
            return AuthFailure(401, "missing bearer token") if "authorization" in headers else None
        found = self.principal(token)
        return found if found is not None else AuthFailure(403, "wrong bearer token")

    def login(self, token: str) -> Session | None:
        """A new session for a valid token, else ``None``."""
        found = self.principal(token.strip())
        if found is None:
            return None
        session = Session(
            id=secrets.token_urlsafe(32),
            principal=found,
            csrf=secrets.token_urlsafe(32),
            expires=self._clock() + SESSION_SECONDS,
        )
        with self._lock:
            now = self._clock()
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sessions[session.id] = session
        return session

    def session(self, session_id: str | None) -> Session | None:
        """The live session with this id, if any."""
        if not session_id:
            return None
        with self._lock:
            found = self._sessions.get(session_id)
        if found is None or found.expires <= self._clock():
            return None
        return found

    def logout(self, session_id: str | None) -> None:
        """End a session."""
        with self._lock:
            self._sessions.pop(session_id or "", None)


def csrf_matches(session: Session, given: str | None) -> bool:
    """Whether a form's CSRF token is its session's."""
    return given is not None and hmac.compare_digest(given.encode(), session.csrf.encode())
