"""Kubernetes ``Status`` error responses, shaped like the real API server's.

Clients branch on ``code`` and ``reason`` (the Python client raises ``ApiException(status=...)``,
``kubectl`` prints ``message``), so every refusal of the replay server is a ``Status`` object.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

_REASONS: dict[int, str] = {
    400: "BadRequest",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
}

REPLAY_USER = "system:serviceaccount:replay:agent"


class ApiStatusError(Exception):
    """A request the replay server refuses; rendered as a ``Status`` response, never raised out."""

    def __init__(self, code: int, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def to_response(self) -> JSONResponse:
        """Render the error as the API server would."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": _REASONS.get(self.code, "InternalError"),
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return JSONResponse(body, status_code=self.code)


def not_found(resource: str, name: str, group: str = "") -> ApiStatusError:
    """``pods "x" not found`` (the API server's wording)."""
    qualified = f"{resource}.{group}" if group else resource
    return ApiStatusError(
        404,
        f'{qualified} "{name}" not found',
        details={"name": name, "group": group, "kind": resource}
        if group
        else {"name": name, "kind": resource},
    )


def forbidden(
    verb: str, resource: str, namespace: str | None, name: str = "", subresource: str = ""
) -> ApiStatusError:
    """RBAC's refusal for the replay service account (secrets, exec, proxy …)."""
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    target = f'{resource} "{name}"' if name else resource
    denied = f"{resource}/{subresource}" if subresource else resource
    return ApiStatusError(
        403,
        f'{target} is forbidden: User "{REPLAY_USER}" cannot {verb} resource "{denied}" '
        f'in API group "" {where}',
        details={"name": name, "kind": resource} if name else {"kind": resource},
    )


def bad_request(message: str) -> ApiStatusError:
    """A malformed query (bad selector, missing container name …)."""
    return ApiStatusError(400, message)


def method_not_allowed(message: str) -> ApiStatusError:
    """A verb the read-only snapshot does not support."""
    return ApiStatusError(405, message)
