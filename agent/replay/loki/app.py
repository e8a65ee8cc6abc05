"""The Loki HTTP API over a recorded incident's logs, as a Starlette app.

Handlers parse parameters, then evaluate in a worker thread (replay backends share one event
loop, so a long scan must not block it). Every ``QueryError`` becomes HTTP 400 with a
plain-text body, as Loki answers bad queries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agent.bundle.model import LogRecord
from agent.replay.loki import nodes
from agent.replay.loki.errors import QueryError
from agent.replay.loki.logs import ScanStats, query_logs
from agent.replay.loki.metrics import evaluate_metric
from agent.replay.loki.params import (
    parse_direction,
    parse_limit,
    parse_time,
    step_times,
    time_range,
)
from agent.replay.loki.parser import parse, parse_selector
from agent.replay.loki.responses import matrix_json, stats_json, streams_json, vector_json
from agent.replay.loki.store import LogStore, Stream

LOKI_VERSION = "3.4.2"
_HOUR_NS = 3_600_000_000_000
_INSTANT_LOG_QUERY = (
    "log queries are not supported as an instant query type, please change your query to "
    "a range query type"
)
Handler = Callable[[MultiDict], Any]


def create_app(records: Sequence[LogRecord], *, now_ns: int | None = None) -> Starlette:
    """Build the Loki replay app serving ``records``.

    Args:
        records: the recorded log lines (any order).
        now_ns: the replay's "now", the default end of queries; when None, just after the
            newest record (replays never read the wall clock).
    """
    api = _LokiApi(LogStore(records), now_ns)
    routes = [
        Route("/ready", lambda _r: PlainTextResponse("ready\n"), methods=["GET"]),
        Route("/loki/api/v1/status/buildinfo", _buildinfo, methods=["GET"]),
        Route("/loki/api/v1/query_range", _endpoint(api.query_range), methods=["GET", "POST"]),
        Route("/loki/api/v1/query", _endpoint(api.query), methods=["GET", "POST"]),
        Route("/loki/api/v1/labels", _endpoint(api.labels), methods=["GET", "POST"]),
        Route(
            "/loki/api/v1/label/{name}/values",
            _endpoint(api.label_values),
            methods=["GET", "POST"],
        ),
        Route("/loki/api/v1/series", _endpoint(api.series), methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes)


async def _buildinfo(_request: Request) -> Response:
    return JSONResponse(
        {
            "version": LOKI_VERSION,
            "revision": "replay",
            "branch": "replay",
            "buildUser": "incident-agent",
            "buildDate": "",
            "goVersion": "",
        }
    )


def _endpoint(handler: Handler) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        params = MultiDict(request.query_params.multi_items())
        if request.method == "POST":
            # Loki takes form-encoded POST bodies; parsed by hand (no python-multipart needed).
            body = (await request.body()).decode("utf-8", errors="replace")
            params = MultiDict([*params.multi_items(), *parse_qsl(body, keep_blank_values=True)])
        params = MultiDict([*params.multi_items(), *request.path_params.items()])
        try:
            data = await run_in_threadpool(handler, params)
        except QueryError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        return JSONResponse({"status": "success", "data": data})

    return endpoint


class _LokiApi:
    """The endpoint logic, on already-decoded parameters."""

    def __init__(self, store: LogStore, now_ns: int | None) -> None:
        self._store = store
        self._now_ns = now_ns if now_ns is not None else store.newest_ns + 1

    def query_range(self, params: MultiDict) -> dict[str, Any]:
        expr = parse(_required(params, "query"))
        limit = parse_limit(params.get("limit"))
        direction = parse_direction(params.get("direction"))
        start, end = time_range(
            params.get("start"), params.get("end"), params.get("since"), self._now_ns, _HOUR_NS
        )
        stats, began = ScanStats(), time.perf_counter()
        if isinstance(expr, nodes.LogSelector):
            streams = query_logs(self._store, expr, start, end, limit, direction, stats)
            result_type, result = "streams", streams_json(streams)
        else:
            steps = step_times(start, end, params.get("step") or params.get("interval"))
            series = evaluate_metric(self._store, expr, steps, stats)
            result_type, result = "matrix", matrix_json(series)
        elapsed = time.perf_counter() - began
        return {"resultType": result_type, "result": result, "stats": stats_json(stats, elapsed)}

    def query(self, params: MultiDict) -> dict[str, Any]:
        expr = parse(_required(params, "query"))
        parse_limit(params.get("limit"))
        parse_direction(params.get("direction"))
        if isinstance(expr, nodes.LogSelector):
            raise QueryError(_INSTANT_LOG_QUERY)
        at = parse_time("time", params.get("time"), self._now_ns)
        stats, began = ScanStats(), time.perf_counter()
        series = evaluate_metric(self._store, expr, [at], stats)
        elapsed = time.perf_counter() - began
        return {
            "resultType": "vector",
            "result": vector_json(series, at),
            "stats": stats_json(stats, elapsed),
        }

    def labels(self, params: MultiDict) -> list[str]:
        names = {name for s in self._active_streams(params) for name in s.labels}
        return sorted(names)

    def label_values(self, params: MultiDict) -> list[str]:
        name = params["name"]
        values = {s.labels[name] for s in self._active_streams(params) if name in s.labels}
        return sorted(values)

    def series(self, params: MultiDict) -> list[dict[str, str]]:
        selectors = params.getlist("match[]") or params.getlist("match")
        if not selectors:
            raise QueryError('at least one "match[]" parameter is required')
        start, end = self._label_range(params)
        seen: dict[int, Stream] = {}
        for text in selectors:
            streams = self._store.select(parse_selector(text).matchers)
            for stream in self._store.active(streams, start, end):
                seen[id(stream)] = stream
        return [
            dict(s.labels) for s in sorted(seen.values(), key=lambda s: sorted(s.labels.items()))
        ]

    def _active_streams(self, params: MultiDict) -> list[Stream]:
        start, end = self._label_range(params)
        query = params.get("query")
        streams = (
            self._store.select(parse_selector(query).matchers) if query else self._store.streams
        )
        return self._store.active(streams, start, end)

    def _label_range(self, params: MultiDict) -> tuple[int, int]:
        # Loki's label and series endpoints look back 6 hours by default.
        return time_range(
            params.get("start"), params.get("end"), params.get("since"), self._now_ns, 6 * _HOUR_NS
        )


def _required(params: MultiDict, name: str) -> str:
    value = params.get(name)
    if not value:
        raise QueryError(f'missing required parameter "{name}"')
    return str(value)
