"""Error answers of the HTTP API: every failure is ``{"error": "<what was wrong>"}``.

Alertmanager retries a 5xx and drops a 4xx, so the status must say whose fault it was: anything
a client can send maps to a 4xx here, including FastAPI's own validation errors (a bad query
parameter, a malformed approval body), which answer 400 like every other bad input of this API.
An unexpected exception is a 500 without a traceback; the server logs it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .approvals import ApiError
from .payloads import BadPayload

_MAX_LISTED = 5  # validation problems named in one answer; the rest are counted


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON error answer."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """One line naming each invalid field, e.g. ``query 'limit': Input should be ...``."""
    parts = []
    for problem in errors[:_MAX_LISTED]:
        where, *field = [str(part) for part in problem.get("loc", ())] or ["request"]
        name = f" {'.'.join(field)!r}" if field else ""
        parts.append(f"{where}{name}: {problem.get('msg', 'invalid')}")
    more = len(errors) - _MAX_LISTED
    return "invalid request: " + "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


async def _api_error(request: Request, exc: ApiError | BadPayload) -> Response:
    return error(exc.status, str(exc), getattr(exc, "headers", None))


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    return error(400, describe_validation(exc.errors()))


async def _http(request: Request, exc: HTTPException) -> Response:
    # Unknown paths (404) and wrong methods (405, with its Allow header) from the router.
    return error(exc.status_code, str(exc.detail), dict(exc.headers or {}))


async def _internal(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this answer is sent, so the server still logs the traceback.
    return error(500, "internal server error; the details are in the server log")


Handler = Callable[[Request, Any], Coroutine[Any, Any, Response]]

# For ``FastAPI(exception_handlers=...)``: replaces FastAPI's ``{"detail": ...}`` answers.
ERROR_ANSWERS: dict[int | type[Exception], Handler] = {
    ApiError: _api_error,
    BadPayload: _api_error,
    RequestValidationError: _invalid,
    HTTPException: _http,
    Exception: _internal,
}
