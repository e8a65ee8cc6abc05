"""The Kubernetes API replay server: a read-only snapshot behind the real API's URLs.

Serves discovery, list/get with label and field selectors, and pod logs, well enough for the
official Python client and ``kubectl get/describe/logs``. Everything a read-only service
account may not do is refused the way a cluster refuses it: secrets and pod exec/attach/
port-forward/proxy with 403, writes with 405 (or recorded, see ``writes``), watches with 405
because a snapshot never changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agent.bundle.model import LogRecord
from agent.replay.kubernetes import catalog
from agent.replay.kubernetes.logs import LogQuery, pod_log
from agent.replay.kubernetes.routes import Target, page_not_found, resolve_target, split_api_path
from agent.replay.kubernetes.selectors import parse_field_selector, parse_label_selector
from agent.replay.kubernetes.status import (
    ApiStatusError,
    forbidden,
    method_not_allowed,
    not_found,
)
from agent.replay.kubernetes.store import ObjectStore, list_body
from agent.replay.kubernetes.table import table_body, wants_table
from agent.replay.kubernetes.writes import RecordedWrite, record_write

_READ_METHODS = frozenset({"GET", "HEAD"})
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
_DENIED_SUBRESOURCES = frozenset({"exec", "attach", "portforward", "proxy"})
_HEALTH_PATHS = frozenset({"/healthz", "/livez", "/readyz"})


class _KubernetesReplay:
    """Request handling over one snapshot; the Starlette app holds a single instance."""

    def __init__(
        self,
        store: ObjectStore,
        logs: Sequence[LogRecord],
        now: datetime,
        journal: list[RecordedWrite] | None,
    ) -> None:
        self._store = store
        self._logs = logs
        self._now = now
        self._journal = journal

    async def handle(self, request: Request) -> Response:
        try:
            return await self._dispatch(request)
        except ApiStatusError as error:
            return error.to_response()

    async def _dispatch(self, request: Request) -> Response:
        path = request.url.path.rstrip("/") or "/"
        if request.method not in _READ_METHODS:
            if self._journal is None:
                raise method_not_allowed(
                    f"{request.method} is not allowed: the Kubernetes replay server is read-only"
                )
            target = self._writable_target(path)
            return await record_write(request, target, self._store, self._journal)
        if path in _HEALTH_PATHS:
            return PlainTextResponse("ok")
        document = self._discovery(path, request)
        if document is not None:
            return JSONResponse(document)
        api_path = split_api_path(path)
        if api_path is None or not catalog.is_served_group_version(
            api_path.group, api_path.version
        ):
            raise page_not_found()
        if not api_path.rest:
            return JSONResponse(catalog.api_resource_list(api_path.group, api_path.version))
        if api_path.rest[0] == "watch" or request.query_params.get("watch") in ("true", "1"):
            raise method_not_allowed("watch is not supported: the replay server is a snapshot")
        target = resolve_target(api_path.group, api_path.version, api_path.rest)
        return self._read(target, request.query_params, request.headers.get("accept", ""))

    def _discovery(self, path: str, request: Request) -> dict[str, Any] | None:
        if path == "/version":
            return catalog.version_info(self._store.server_version())
        if path == "/api":
            return catalog.api_versions(request.url.netloc)
        if path == "/apis":
            return catalog.api_group_list()
        segments = [s for s in path.split("/") if s]
        if len(segments) == 2 and segments[0] == "apis":
            group = catalog.api_group(segments[1])
            if group is None:
                raise page_not_found()
            return group
        return None

    def _writable_target(self, path: str) -> Target:
        api_path = split_api_path(path)
        if api_path is None or not api_path.rest:
            raise page_not_found()
        target = resolve_target(api_path.group, api_path.version, api_path.rest)
        if target.rtype.name == "secrets":
            raise forbidden("update", "secrets", target.namespace, target.name or "")
        return target

    def _read(self, target: Target, params: Mapping[str, str], accept: str) -> Response:
        rtype = target.rtype
        if rtype.name == "secrets":
            verb = "get" if target.name else "list"
            raise forbidden(verb, "secrets", target.namespace, target.name or "")
        if target.name is None:
            # limit/continue are ignored: one complete page without a continue token is a
            # valid answer to a chunked list, and snapshots are small.
            label_match = parse_label_selector(params.get("labelSelector", ""))
            field_match = parse_field_selector(params.get("fieldSelector", ""), rtype)
            items = [
                obj
                for obj in self._store.list_objects(rtype, target.namespace)
                if label_match(obj) and field_match(obj)
            ]
            version = self._store.resource_version
            if wants_table(accept):
                return JSONResponse(table_body(rtype, items, self._now, version))
            return JSONResponse(list_body(rtype, items, version))
        obj = self._store.get_object(rtype, target.namespace, target.name)
        if target.subresource in _DENIED_SUBRESOURCES:
            raise forbidden(
                "get", rtype.name, target.namespace, target.name, subresource=target.subresource
            )
        if obj is None:
            raise not_found(rtype.name, target.name, rtype.group)
        if target.subresource is None and wants_table(accept):
            version = self._store.resource_version
            return JSONResponse(table_body(rtype, [obj], self._now, version))
        if target.subresource is None or target.subresource == "status":
            return JSONResponse(obj)
        if (rtype.group, rtype.name, target.subresource) == ("", "pods", "log"):
            body = pod_log(obj, self._logs, LogQuery.from_params(params), self._now)
            return Response(body, media_type="text/plain")
        raise page_not_found()


def create_app(
    objects: Sequence[Mapping[str, Any]],
    logs: Sequence[LogRecord],
    now: datetime,
    *,
    record_writes: bool = False,
) -> Starlette:
    """Build the Kubernetes API replay app for a recorded snapshot.

    Args:
        objects: Kubernetes objects as the API returned them (``kind``/``apiVersion`` set).
        logs: Recorded log records; pod logs are those labelled ``namespace`` and ``pod``.
        now: The recorded investigation moment; ``sinceSeconds`` counts back from it.
        record_writes: Accept writes without applying them and append each to
            ``app.state.recorded_writes``; otherwise every write is refused with 405.

    Returns:
        A Starlette app; ``app.state.recorded_writes`` is a list of ``RecordedWrite``.
    """
    journal: list[RecordedWrite] | None = [] if record_writes else None
    replay = _KubernetesReplay(ObjectStore(objects), logs, now, journal)
    app = Starlette(routes=[Route("/{path:path}", replay.handle, methods=_ALL_METHODS)])
    app.state.recorded_writes = journal if journal is not None else []
    return app
