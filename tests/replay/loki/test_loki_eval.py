"""Evaluation table tests over a small hand-written recording."""

from __future__ import annotations

from typing import Literal

import pytest

from agent.bundle.model import LogRecord
from agent.replay.loki import nodes
from agent.replay.loki.errors import QueryError
from agent.replay.loki.logs import ScanStats, query_logs
from agent.replay.loki.metrics import Series, evaluate_metric
from agent.replay.loki.parser import parse
from agent.replay.loki.store import LogStore

S = 1_000_000_000
T = 1_700_000_000 * S
API1 = {"app": "api", "pod": "api-1"}
API2 = {"app": "api", "pod": "api-2"}
NGINX = {"app": "nginx"}
RECORDS = [
    LogRecord(T + 1 * S, API1, 'level=info msg="GET /users" status=200 duration=12ms size=1KB'),
    LogRecord(T + 2 * S, API1, 'level=error msg="GET /orders" status=500 duration=1.5s size=20KB'),
    LogRecord(T + 3 * S, API1, 'level=warn msg="slow" status=200 duration=800ms size=512B'),
    LogRecord(T + 4 * S, API1, 'level=error msg="timeout talking to db" status=503 duration=30s'),
    LogRecord(T + 1 * S, API2, '{"level":"info","status":200,"req":{"path":"/users","method":"GET"},"app":"x"}'),
    LogRecord(T + 3 * S, API2, '{"level":"error","status":500,"req":{"path":"/orders","method":"POST"}}'),
    LogRecord(T + 5 * S, API2, "not json at all"),
    LogRecord(T + 4 * S, NGINX, '10.0.0.2 - - [x] "POST /login HTTP/1.1" 401 64'),
    LogRecord(T + 2 * S, NGINX, '10.0.0.1 - - [x] "GET /index.html HTTP/1.1" 200 512'),
]  # fmt: skip
STORE = LogStore(RECORDS)


def run_logs(
    query: str, limit: int = 100, direction: Literal["forward", "backward"] = "backward"
) -> list[tuple[int, str, dict[str, str]]]:
    """(second offset, line, labels) in output order across all result streams."""
    expr = parse(query)
    assert isinstance(expr, nodes.LogSelector)
    results = query_logs(STORE, expr, T, T + 10 * S, limit, direction, ScanStats())
    flat = [((ts - T) // S, line, r.labels) for r in results for ts, line in r.values]
    return sorted(flat, key=lambda e: (e[0], e[1]), reverse=direction == "backward")


LOG_CASES: list[tuple[str, list[int]]] = [
    ('{app="api"} |= "error"', [4, 3, 2]),
    ('{app=~"api|nginx"} != "error" |~ "GET|POST"', [4, 2, 1, 1]),
    ('{app="api"} |= "users" or "orders"', [3, 2, 1, 1]),
    ('{app="api"} !~ "(?i)LEVEL"', [5]),
    ('{app="api", pod!="api-2"} | logfmt | status >= 500', [4, 2]),
    ('{pod="api-1"} | logfmt | duration > 1s', [4, 2]),
    ('{pod="api-1"} | logfmt | duration <= 800ms', [3, 1]),
    ('{pod="api-1"} | logfmt | size > 1KB', [2]),
    ('{pod="api-1"} | logfmt | size >= 1kib', [2]),
    ('{pod="api-1"} | logfmt | level="error" and duration < 2s', [2]),
    ('{pod="api-1"} | logfmt | level="warn" or status == 503', [4, 3]),
    ('{pod="api-1"} | logfmt | level=~"err.*", status != 500', [4]),
    ('{pod="api-1"} | logfmt | msg!~".*GET.*" level!="warn"', [4]),
    ('{pod="api-2"} | json | req_method="POST"', [3]),
    ('{pod="api-2"} | json | status > 100', [5, 3, 1]),  # errored lines pass numeric filters
    ('{pod="api-2"} | json | __error__="JSONParserErr"', [5]),
    ('{pod="api-2"} | json | __error__=""', [3, 1]),
    ('{pod="api-2"} | json m="req.method" | m="GET"', [1]),
    ('{app="nginx"} | pattern `<ip> - - <_> "<method> <path> <_>" <status> <size>` | status >= 400', [4]),
    ('{app="nginx"} | regexp `(?P<ip>\\S+) .* (?P<status>\\d{3}) ` | ip="10.0.0.1"', [2]),
    ('{app="nginx"} | regexp `(?<ip>\\S+) ` | ip="10.0.0.2"', [4]),
]  # fmt: skip


@pytest.mark.parametrize(("query", "offsets"), LOG_CASES, ids=[q for q, _ in LOG_CASES])
def test_log_query_selects_lines(query: str, offsets: list[int]) -> None:
    assert [ts for ts, _, _ in run_logs(query)] == offsets


LABEL_CASES: list[tuple[str, int, dict[str, str]]] = [
    (
        '{pod="api-2"} | json',
        1,
        {"app": "api", "pod": "api-2", "level": "info", "status": "200", "req_path": "/users",
         "req_method": "GET", "app_extracted": "x"},
    ),
    (
        '{pod="api-1"} | logfmt',
        2,
        {"app": "api", "pod": "api-1", "level": "error", "msg": "GET /orders", "status": "500",
         "duration": "1.5s", "size": "20KB"},
    ),
    (
        '{app="nginx"} | pattern "<ip> - - <_> \\"<method> <path> <_>\\" <status> <size>"',
        2,
        {"app": "nginx", "ip": "10.0.0.1", "method": "GET", "path": "/index.html",
         "status": "200", "size": "512"},
    ),
    ('{pod="api-2"} | json', 5, {"app": "api", "pod": "api-2", "__error__": "JSONParserErr"}),
    ('{pod="api-1"} | logfmt | msg > 5', 3, {"__error__": "LabelFilterErr"}),
]  # fmt: skip


@pytest.mark.parametrize(("query", "offset", "labels"), LABEL_CASES)
def test_parsers_add_labels(query: str, offset: int, labels: dict[str, str]) -> None:
    [found] = [lbls for ts, _, lbls in run_logs(query) if ts == offset]
    assert labels.items() <= found.items()


def test_line_format_rewrites_lines_and_later_filters_see_the_new_line() -> None:
    query = '{pod="api-1"} | logfmt | status > 250 | line_format "{{.level}}: {{ .msg }} {{.x}}"'
    assert [line for _, line, _ in run_logs(query)] == [
        "error: timeout talking to db <no value>",
        "error: GET /orders <no value>",
    ]
    query = '{pod="api-1"} | logfmt | line_format "{{.status}}" |= "50"'
    assert [line for _, line, _ in run_logs(query)] == ["503", "500"]


def test_limit_and_direction() -> None:
    assert [ts for ts, _, _ in run_logs('{app="api"}', limit=2)] == [5, 4]
    forward = run_logs('{app=~".+"}', limit=3, direction="forward")
    assert [ts for ts, _, _ in forward] == [1, 1, 2]


def test_log_query_end_is_exclusive() -> None:
    expr = parse('{app="nginx"}')
    assert isinstance(expr, nodes.LogSelector)
    results = query_logs(STORE, expr, T + 2 * S, T + 4 * S, 10, "forward", ScanStats())
    assert [ts for r in results for ts, _ in r.values] == [T + 2 * S]


def run_metric(query: str, *offsets: int) -> dict[str, dict[int, float]]:
    """Series keyed by their label text, each mapping second offset → value."""
    expr = parse(query)
    assert not isinstance(expr, nodes.LogSelector)
    series: Series = evaluate_metric(STORE, expr, [T + o * S for o in offsets], ScanStats())
    return {
        ",".join(f"{k}={v}" for k, v in key): {(t - T) // S: v for t, v in points.items()}
        for key, points in series.items()
    }


METRIC_CASES: list[tuple[str, tuple[int, ...], dict[str, dict[int, float]]]] = [
    ('count_over_time({app="api"}[2s])', (2, 4),
     {"app=api,pod=api-1": {2: 2, 4: 2}, "app=api,pod=api-2": {2: 1, 4: 1}}),
    ('rate({pod="api-1"}[2s])', (2, 4), {"app=api,pod=api-1": {2: 1.0, 4: 1.0}}),
    ('bytes_over_time({app="nginx"}[10s])', (4,), {"app=nginx": {4: 46 + 51}}),
    ('bytes_rate({app="nginx"}[2s])', (4,), {"app=nginx": {4: 23}}),
    ('count_over_time({app="nginx"}[1s])', (1, 2, 3, 4), {"app=nginx": {2: 1, 4: 1}}),
    ('sum by (app) (count_over_time({app=~".+"}[2s]))', (2, 4),
     {"app=api": {2: 3, 4: 3}, "app=nginx": {2: 1, 4: 1}}),
    ('sum(count_over_time({app=~".+"}[2s])) without (pod)', (4,), {"app=api": {4: 3}, "app=nginx": {4: 1}}),
    ('sum(count_over_time({app=~".+"}[2s]))', (4,), {"": {4: 4}}),
    ('avg by (app) (count_over_time({app="api"}[5s]))', (5,), {"app=api": {5: 3.5}}),
    ('min(count_over_time({app=~".+"}[5s]))', (5,), {"": {5: 2}}),
    ('max(count_over_time({app=~".+"}[5s]))', (5,), {"": {5: 4}}),
    ('count(count_over_time({app=~".+"}[5s]))', (5,), {"": {5: 3}}),
    ('topk(1, count_over_time({app=~".+"}[5s]))', (5,), {"app=api,pod=api-1": {5: 4}}),
    ('bottomk(1, count_over_time({app=~".+"}[5s]))', (5,), {"app=nginx": {5: 2}}),
    ('topk by (app) (1, count_over_time({app=~".+"}[5s]))', (5,),
     {"app=api,pod=api-1": {5: 4}, "app=nginx": {5: 2}}),
    ('sum by (level) (count_over_time({pod="api-1"} | logfmt | level=~"error|warn" [10s]))', (5,),
     {"level=error": {5: 2}, "level=warn": {5: 1}}),
    ('sum by (req_path) (count_over_time({pod="api-2"} | json | __error__="" [10s]))', (5,),
     {"req_path=/orders": {5: 1}, "req_path=/users": {5: 1}}),
    ('sum(bytes_over_time({pod="api-1"} | logfmt | line_format "{{.status}}" [10s]))', (5,),
     {"": {5: 12}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "offsets", "expected"), METRIC_CASES, ids=[c[0] for c in METRIC_CASES]
)
def test_metric_query(query: str, offsets: tuple[int, ...], expected: dict[str, dict[int, float]]) -> None:  # fmt: skip
    assert run_metric(query, *offsets) == expected


def test_metric_query_fails_on_pipeline_errors_like_loki() -> None:
    with pytest.raises(QueryError, match=r"pipeline error: 'JSONParserErr' for series"):
        run_metric('count_over_time({pod="api-2"} | json [10s])', 5)


def test_metric_query_caps_series() -> None:
    store = LogStore([LogRecord(T, {"app": "x", "n": str(i)}, "l") for i in range(501)])
    expr = parse('count_over_time({app="x"}[1m])')
    assert not isinstance(expr, nodes.LogSelector)
    with pytest.raises(QueryError, match=r"maximum of series \(500\) reached"):
        evaluate_metric(store, expr, [T], ScanStats())
    summed = parse('sum(count_over_time({app="x"}[1m]))')
    assert not isinstance(summed, nodes.LogSelector)
    assert evaluate_metric(store, summed, [T], ScanStats()) == {(): {T: 501.0}}
