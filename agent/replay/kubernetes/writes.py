"""Write requests in ``record_writes`` mode: accepted, recorded, never applied.

Tests of the agent's read-only guarantee need to see any write that slips through, so this mode
answers each write as a permissive server would (the current object, 200) while leaving the
snapshot untouched, and keeps the request for inspection in ``app.state.recorded_writes``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent.replay.kubernetes.routes import Target
from agent.replay.kubernetes.status import bad_request, not_found
from agent.replay.kubernetes.store import ObjectStore


@dataclass(frozen=True, slots=True)
class RecordedWrite:
    """One write request the replay server accepted without applying it.

    ``query`` keeps the last value of each parameter (``fieldManager``, ``dryRun`` …); ``body``
    is the parsed JSON (or YAML, for server-side apply) body, ``None`` when empty.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    content_type: str


def _parse_body(raw: bytes, content_type: str) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        if "yaml" not in content_type:
            raise bad_request(
                f"the body of the request is not valid JSON ({content_type})"
            ) from None
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        raise bad_request("the body of the request is neither JSON nor YAML") from None


def _created(target: Target, body: Any) -> dict[str, Any]:
    """The object a create would return: the body, placed in the target's namespace."""
    created: dict[str, Any] = copy.deepcopy(dict(body)) if isinstance(body, Mapping) else {}
    meta = created.setdefault("metadata", {})
    if target.namespace is not None:
        meta.setdefault("namespace", target.namespace)
    created.setdefault("apiVersion", target.rtype.api_version)
    created.setdefault("kind", target.rtype.kind)
    return created


async def record_write(
    request: Request, target: Target, store: ObjectStore, journal: list[RecordedWrite]
) -> JSONResponse:
    """Record a write to ``target`` and answer it as if it had been applied.

    Raises:
        ApiStatusError: 404 when the object written to does not exist, 400 for a bad body.
    """
    content_type = request.headers.get("content-type", "")
    body = _parse_body(await request.body(), content_type)
    if target.name is None:
        response: dict[str, Any] = _created(target, body)
        status = 201
    else:
        current = store.get_object(target.rtype, target.namespace, target.name)
        if current is None:
            raise not_found(target.rtype.name, target.name, target.rtype.group)
        response, status = copy.deepcopy(current), 200
    journal.append(
        RecordedWrite(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            body=body,
            content_type=content_type,
        )
    )
    return JSONResponse(response, status_code=status)
