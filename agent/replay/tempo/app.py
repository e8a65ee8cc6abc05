"""The Tempo replay server: a Starlette app answering Tempo's query API from recorded traces.

Shapes follow Tempo's HTTP API (see the module docstrings of ``render`` and ``search``): trace
lookups return base64 ids in a top-level ``batches`` list, search returns hex ``traceID``s.
Bad requests answer 400 with a plain-text message; unknown traces answer 404.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agent.replay.tempo.model import Trace, TraceStore, index_traces
from agent.replay.tempo.render import render_resource_spans
from agent.replay.tempo.search import (
    DEFAULT_LIMIT,
    DEFAULT_SPANS_PER_SPANSET,
    SearchRequest,
    legacy_tags_query,
    search,
)
from agent.replay.tempo.tags import (
    UnknownScope,
    scoped_tag_names,
    tag_names,
    tag_values,
    typed_tag_values,
)
from agent.replay.tempo.traceql import TraceQLError, parse, parse_field
from agent.replay.tempo.traceql.lexer import parse_duration
from agent.replay.tempo.traceql.nodes import SpansetFilter

_HEX_CHARS = re.compile(r"[0-9a-fA-F]")
_NOT_FOUND = "trace not found"
_BUILD_INFO = {
    "version": "2.8.0",
    "revision": "replay",
    "branch": "replay",
    "buildUser": "",
    "buildDate": "",
    "goVersion": "",
}


class BadRequest(ValueError):
    """A request parameter is malformed; answered with 400 and this message."""


def create_app(traces: Sequence[Mapping[str, Any]]) -> Starlette:
    """Build the Tempo replay app over recorded OTLP/JSON ``TracesData`` objects.

    Raises:
        BundleError: a recorded object is malformed (problems carry traces.jsonl line numbers).
    """
    api = _TempoApi(index_traces(traces))
    routes = [
        Route("/ready", _text("ready")),
        Route("/api/echo", _text("echo")),
        Route("/api/status/buildinfo", _build_info),
        Route("/api/traces/{trace_id}", api.trace_v1),
        Route("/api/v2/traces/{trace_id}", api.trace_v2),
        Route("/api/search", api.search),
        Route("/api/search/tags", api.tags_v1),
        Route("/api/v2/search/tags", api.tags_v2),
        Route("/api/search/tag/{name}/values", api.tag_values_v1),
        Route("/api/v2/search/tag/{name}/values", api.tag_values_v2),
    ]
    handlers = {exc: _bad_request for exc in (BadRequest, TraceQLError, UnknownScope)}
    return Starlette(routes=routes, exception_handlers=handlers)


class _TempoApi:
    """Request handlers bound to one trace store."""

    def __init__(self, store: TraceStore) -> None:
        self._store = store

    async def trace_v1(self, request: Request) -> Response:
        trace = self._find_trace(request)
        if trace is None:
            return PlainTextResponse(_NOT_FOUND, status_code=404)
        return JSONResponse({"batches": render_resource_spans(trace)})

    async def trace_v2(self, request: Request) -> Response:
        trace = self._find_trace(request)
        if trace is None:
            return PlainTextResponse(_NOT_FOUND, status_code=404)
        return JSONResponse({"trace": {"resourceSpans": render_resource_spans(trace)}})

    async def search(self, request: Request) -> Response:
        params = request.query_params
        start_ns, end_ns = _window(request)
        if params.get("q"):
            query = parse(params["q"])
        elif params.get("tags"):
            query = legacy_tags_query(params["tags"])
        else:
            query = SpansetFilter(None)
        search_request = SearchRequest(
            query=query,
            start_ns=start_ns,
            end_ns=end_ns,
            limit=_positive_int(request, "limit", DEFAULT_LIMIT),
            spans_per_spanset=_positive_int(request, "spss", DEFAULT_SPANS_PER_SPANSET),
            min_duration_ns=_duration(request, "minDuration"),
            max_duration_ns=_duration(request, "maxDuration"),
        )
        return JSONResponse(search(self._store, search_request))

    async def tags_v1(self, request: Request) -> Response:
        return JSONResponse({"tagNames": tag_names(self._store)})

    async def tags_v2(self, request: Request) -> Response:
        scope = request.query_params.get("scope", "")
        return JSONResponse({"scopes": scoped_tag_names(self._store, scope)})

    async def tag_values_v1(self, request: Request) -> Response:
        name = request.path_params["name"]
        return JSONResponse({"tagValues": tag_values(self._store, name)})

    async def tag_values_v2(self, request: Request) -> Response:
        field = parse_field(request.path_params["name"])
        return JSONResponse({"tagValues": typed_tag_values(self._store, field)})

    def _find_trace(self, request: Request) -> Trace | None:
        trace = self._store.get(parse_trace_id(request.path_params["trace_id"]))
        start_ns, end_ns = _window(request)
        if trace is None or not trace.overlaps(start_ns, end_ns):
            return None
        return trace


def parse_trace_id(raw: str) -> str:
    """Normalise a hex trace id from a URL to 32 lowercase digits, with Tempo's errors.

    Raises:
        BadRequest: not hex, or longer than 128 bits.
    """
    for position, char in enumerate(raw, start=1):
        if not _HEX_CHARS.fullmatch(char):
            raise BadRequest(
                "trace IDs can only contain hex characters: "
                f"invalid character '{char}' at position {position}"
            )
    if len(raw) > 32:
        raise BadRequest("trace IDs can't be larger than 128 bits")
    if not raw:
        raise BadRequest("trace ID is empty")
    return raw.lower().rjust(32, "0")


def _window(request: Request) -> tuple[int | None, int | None]:
    start = _seconds(request, "start")
    end = _seconds(request, "end")
    if start is not None and end is not None and start > end:
        raise BadRequest(f"http parameter start must be before end. start: {start} end: {end}")
    return (
        None if start is None else start * 1_000_000_000,
        # ``end`` is a whole second: include every span starting within it.
        None if end is None else (end + 1) * 1_000_000_000 - 1,
    )


def _seconds(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise BadRequest(f"invalid {name}: {raw!r} is not unix seconds")
    return int(raw)


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise BadRequest(f"invalid {name}: {raw!r} is not a positive integer")
    return int(raw)


def _duration(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise BadRequest(f"invalid {name}: {exc}") from exc


def _text(body: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(body)

    return endpoint


async def _build_info(request: Request) -> Response:
    return JSONResponse(_BUILD_INFO)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(str(exc), status_code=400)
