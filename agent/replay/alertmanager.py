"""The Alertmanager v2 API replay server, serving a bundle's webhook payload.

The recorded webhook payload (version "4") is the alert group as Alertmanager last notified it;
this app answers ``GET /api/v2/alerts``, ``/api/v2/alerts/groups`` and ``/api/v2/status`` from
it as Alertmanager would at the recorded moment ``now``: resolved alerts whose ``endsAt`` has
passed are gone, firing ones show ``endsAt = now + resolve_timeout``, and every alert is
``active`` (the payload records no silences or inhibitions). Fingerprints are served exactly as
recorded, never recomputed, so the agent can match them against the alert it was given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

RESOLVE_TIMEOUT = timedelta(minutes=5)
_VERSION = "0.27.0"
_LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
_MATCHER = re.compile(
    rf"""^\s*({_LABEL_NAME})\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^",{{}}]*?)\s*$"""
)
_ESCAPES = {"n": "\n", "\\": "\\", '"': '"'}
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


class MatcherError(ValueError):
    """A ``filter`` or ``receiver`` parameter that Alertmanager would reject with 400."""


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher: ``name`` ``op`` ``value`` with op in ``=``, ``!=``, ``=~``, ``!~``."""

    name: str
    op: str
    value: str
    pattern: re.Pattern[str] | None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the label set satisfies the matcher (an absent label reads as "")."""
        actual = labels.get(self.name, "")
        if self.pattern is not None:
            found = self.pattern.fullmatch(actual) is not None
            return found if self.op == "=~" else not found
        return (actual == self.value) if self.op == "=" else (actual != self.value)


def _unquote(raw: str) -> str:
    if not (len(raw) >= 2 and raw.startswith('"') and raw.endswith('"')):
        return raw
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], "\\" + m[1]), raw[1:-1])


def _compile(text: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise MatcherError(f"invalid regular expression in {what} {text!r}: {exc}") from None


def parse_matchers(text: str) -> list[Matcher]:
    """Parse a ``filter`` value: one matcher, or several in braces (``{a="x",b=~"y.*"}``).

    Raises:
        MatcherError: The text is not a valid matcher list.
    """
    body = text.strip()
    if body.startswith("{") != body.endswith("}"):
        raise MatcherError(f"bad matcher format: {text}: unbalanced braces")
    if body.startswith("{"):
        body = body[1:-1]
    if re.sub(r"\\.", "", body).count('"') % 2:
        raise MatcherError(f"bad matcher format: {text}: unterminated quoted value")
    parts = [p for p in re.findall(r'(?:"(?:[^"\\]|\\.)*"|[^,"])+', body) if p.strip()]
    if not parts:
        raise MatcherError(f"bad matcher format: {text!r} holds no matcher")
    matchers = []
    for part in parts:
        match = _MATCHER.match(part)
        if match is None:
            raise MatcherError(f"bad matcher format: {part.strip()}")
        name, op, value = match[1], match[2], _unquote(match[3])
        pattern = _compile(value, "matcher") if op in ("=~", "!~") else None
        matchers.append(Matcher(name, op, value, pattern))
    return matchers


def _parse_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str) or raw.startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_bool(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name, "true").lower()
    if raw not in ("true", "false"):
        raise MatcherError(f"{name} must be true or false, got {raw!r}")
    return raw == "true"


@dataclass(frozen=True, slots=True)
class _Query:
    """The filters shared by ``/api/v2/alerts`` and ``/api/v2/alerts/groups``."""

    matchers: tuple[Matcher, ...]
    receiver: re.Pattern[str] | None
    active: bool

    @classmethod
    def parse(cls, request: Request) -> _Query:
        params = request.query_params
        matchers = tuple(m for raw in params.getlist("filter") for m in parse_matchers(raw))
        receiver = params.get("receiver")
        # silenced/inhibited/unprocessed only hide alerts in those states, which a recorded
        # payload never has; they are still validated so a typo fails as upstream would.
        for flag in ("silenced", "inhibited", "unprocessed"):
            _parse_bool(params, flag)
        return cls(
            matchers=matchers,
            receiver=_compile(receiver, "receiver") if receiver else None,
            active=_parse_bool(params, "active"),
        )

    def keeps(self, alert: Mapping[str, Any]) -> bool:
        if not self.active:  # every served alert is active
            return False
        if self.receiver is not None and not any(
            self.receiver.fullmatch(r["name"]) for r in alert["receivers"]
        ):
            return False
        return all(m.matches(alert["labels"]) for m in self.matchers)


class _AlertmanagerReplay:
    """The alerts of one webhook payload as Alertmanager shows them at ``now``."""

    def __init__(self, payload: Mapping[str, Any], now: datetime) -> None:
        self._payload = payload
        self._now = now
        self._receiver = str(payload.get("receiver", ""))
        self.alerts = [
            served
            for alert in payload.get("alerts") or []
            if (served := self._gettable(alert)) is not None
        ]

    def _gettable(self, alert: Mapping[str, Any]) -> dict[str, Any] | None:
        ends_at = _parse_time(alert.get("endsAt"))
        if alert.get("status") == "resolved" and ends_at is not None and ends_at <= self._now:
            return None  # Alertmanager's API drops alerts that have ended
        if ends_at is None or ends_at <= self._now:
            ends_at = self._now + RESOLVE_TIMEOUT
        starts_at = _parse_time(alert.get("startsAt")) or self._now
        return {
            "labels": dict(alert.get("labels") or {}),
            "annotations": dict(alert.get("annotations") or {}),
            "fingerprint": alert.get("fingerprint", ""),
            "startsAt": _format_time(starts_at),
            "updatedAt": _format_time(self._now),
            "endsAt": _format_time(ends_at),
            "generatorURL": alert.get("generatorURL", ""),
            "receivers": [{"name": self._receiver}],
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
        }

    def status(self) -> dict[str, Any]:
        group_by = sorted((self._payload.get("groupLabels") or {}).keys())
        config = {
            "global": {"resolve_timeout": f"{int(RESOLVE_TIMEOUT.total_seconds() // 60)}m"},
            "route": {"receiver": self._receiver, "group_by": group_by},
            "receivers": [{"name": self._receiver}],
        }
        return {
            "cluster": {"name": "replay", "status": "ready", "peers": []},
            "versionInfo": {
                "branch": "HEAD",
                "buildDate": "19700101-00:00:00",
                "buildUser": "replay",
                "goVersion": "go1.21.0",
                "revision": "replay",
                "version": _VERSION,
            },
            "config": {"original": yaml.safe_dump(config, sort_keys=False)},
            "uptime": _format_time(self._now - timedelta(days=1)),
        }

    def groups(self, query: _Query) -> list[dict[str, Any]]:
        alerts = [a for a in self.alerts if query.keeps(a)]
        if not alerts:
            return []
        return [
            {
                "labels": dict(self._payload.get("groupLabels") or {}),
                "receiver": {"name": self._receiver},
                "alerts": alerts,
            }
        ]


def _route(
    handler: Callable[[Request], Response],
) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return JSONResponse(
                f"{request.method} is not allowed: the Alertmanager replay is read-only",
                status_code=405,
            )
        try:
            return handler(request)
        except MatcherError as exc:
            return JSONResponse(str(exc), status_code=400)

    return endpoint


def create_app(payload: Mapping[str, Any], now: datetime) -> Starlette:
    """Build the Alertmanager v2 API replay app for a webhook payload (version "4").

    Args:
        payload: The Alertmanager webhook payload recorded with the incident.
        now: The recorded investigation moment.

    Returns:
        A Starlette app serving ``/api/v2/alerts``, ``/api/v2/alerts/groups``,
        ``/api/v2/status``, ``/-/ready`` and ``/-/healthy``.
    """
    replay = _AlertmanagerReplay(payload, now)

    def alerts(request: Request) -> Response:
        query = _Query.parse(request)
        return JSONResponse([a for a in replay.alerts if query.keeps(a)])

    def groups(request: Request) -> Response:
        return JSONResponse(replay.groups(_Query.parse(request)))

    def status(_request: Request) -> Response:
        return JSONResponse(replay.status())

    def ok(_request: Request) -> Response:
        return PlainTextResponse("OK")

    routes: Sequence[tuple[str, Callable[[Request], Response]]] = (
        ("/api/v2/alerts", alerts),
        ("/api/v2/alerts/groups", groups),
        ("/api/v2/status", status),
        ("/-/ready", ok),
        ("/-/healthy", ok),
    )
    return Starlette(routes=[Route(path, _route(fn), methods=_ALL_METHODS) for path, fn in routes])
