"""``GET /api/v1/namespaces/{ns}/pods/{name}/log`` served from recorded log records.

A pod log is the records whose labels carry ``namespace`` and ``pod`` (and ``container`` when
known); records labelled ``previous="true"`` are the previous container instance's output.
Time filters are relative to the recorded investigation moment, never the wall clock, and
nothing logged after that moment is visible — the kubelet could not have returned it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.bundle.model import LogRecord
from agent.replay.kubernetes.status import bad_request

_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_NS_PER_S = 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _parse_bool(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name)
    if raw is None or raw in _FALSE:
        return False
    if raw in _TRUE:
        return True
    raise bad_request(f"invalid value for {name}: {raw!r} is not a boolean")


def _parse_int(params: Mapping[str, str], name: str, minimum: int) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"invalid value for {name}: {raw!r} is not an integer") from None
    if value < minimum:
        raise bad_request(f"{name} must be at least {minimum}, got {value}")
    return value


def _parse_time(raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"invalid value for sinceTime: {raw!r} is not RFC 3339") from None
    if parsed.tzinfo is None:
        raise bad_request(f"invalid value for sinceTime: {raw!r} has no time zone")
    return parsed


def _to_ns(moment: datetime) -> int:
    # Integer arithmetic: a float timestamp loses the nanosecond digits.
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def rfc3339_nano(ts_ns: int) -> str:
    """Format nanoseconds since the epoch as Go's ``time.RFC3339Nano`` (trailing zeros cut)."""
    seconds, nanos = divmod(ts_ns, _NS_PER_S)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"


@dataclass(frozen=True, slots=True)
class LogQuery:
    """The query parameters of a pod log request."""

    container: str | None = None
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: datetime | None = None
    timestamps: bool = False
    previous: bool = False
    limit_bytes: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> LogQuery:
        """Parse and validate query parameters.

        Raises:
            ApiStatusError: 400 for a malformed or contradictory parameter.
        """
        since_time = params.get("sinceTime")
        query = cls(
            container=params.get("container") or None,
            tail_lines=_parse_int(params, "tailLines", 0),
            since_seconds=_parse_int(params, "sinceSeconds", 1),
            since_time=_parse_time(since_time) if since_time else None,
            timestamps=_parse_bool(params, "timestamps"),
            previous=_parse_bool(params, "previous"),
            limit_bytes=_parse_int(params, "limitBytes", 1),
        )
        if query.since_seconds is not None and query.since_time is not None:
            raise bad_request("at most one of sinceTime or sinceSeconds may be specified")
        return query


def _names(containers: Any) -> list[str]:
    if not isinstance(containers, list):
        return []
    return [str(c["name"]) for c in containers if isinstance(c, Mapping) and "name" in c]


def _choose_container(
    pod: Mapping[str, Any], records: Sequence[LogRecord], requested: str | None
) -> str:
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    containers = _names(spec.get("containers"))
    others = _names(spec.get("initContainers")) + _names(spec.get("ephemeralContainers"))
    if not containers:
        # A trimmed bundle may omit the spec; fall back to the containers that logged.
        containers = sorted({r.labels["container"] for r in records if "container" in r.labels})
    if requested is not None:
        if requested not in containers + others or not (containers or others):
            raise bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    if len(containers) == 1:
        return containers[0]
    if not containers:
        raise bad_request(f"pod {name} has no containers")
    message = (
        f"a container name must be specified for pod {name}, choose one of: "
        f"[{' '.join(containers)}]"
    )
    init = _names(spec.get("initContainers"))
    if init:
        message += f" or one of the init containers: [{' '.join(init)}]"
    raise bad_request(message)


def pod_log(
    pod: Mapping[str, Any], records: Sequence[LogRecord], query: LogQuery, now: datetime
) -> bytes:
    """Render the log of one pod container as the kubelet would, up to ``now``.

    Raises:
        ApiStatusError: 400 when the container is ambiguous or unknown, or when the previous
            instance was asked for and none was recorded.
    """
    meta = pod["metadata"]
    mine = [
        r
        for r in records
        if r.labels.get("namespace") == meta.get("namespace")
        and r.labels.get("pod") == meta["name"]
    ]
    container = _choose_container(pod, mine, query.container)
    selected = [
        r
        for r in mine
        if r.labels.get("container", container) == container
        and (r.labels.get("previous") == "true") == query.previous
    ]
    if query.previous and not selected:
        raise bad_request(
            f'previous terminated container "{container}" in pod "{meta["name"]}" not found'
        )
    selected.sort(key=lambda r: r.ts_ns)
    now_ns = _to_ns(now)
    start_ns: int | None = None
    if query.since_seconds is not None:
        start_ns = now_ns - query.since_seconds * _NS_PER_S
    elif query.since_time is not None:
        start_ns = _to_ns(query.since_time)
    selected = [
        r for r in selected if r.ts_ns <= now_ns and (start_ns is None or r.ts_ns >= start_ns)
    ]
    if query.tail_lines is not None:
        selected = selected[len(selected) - query.tail_lines :] if query.tail_lines else []
    lines = [
        (f"{rfc3339_nano(r.ts_ns)} " if query.timestamps else "") + r.line.rstrip("\n") + "\n"
        for r in selected
    ]
    body = "".join(lines).encode("utf-8")
    return body[: query.limit_bytes] if query.limit_bytes is not None else body
