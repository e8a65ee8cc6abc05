"""Realistic Messages API responses served through httpx2.MockTransport into the real SDK."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import httpx2


def message(
    content: list[dict[str, Any]],
    stop_reason: str = "tool_use",
    *,
    input_tokens: int = 1200,
    output_tokens: int = 180,
    cache_read: int = 0,
    cache_write: int = 0,
    msg_id: str = "msg_01XFDUDYJgAACzvnptvVoYEL",
) -> dict[str, Any]:
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
            "service_tier": "standard",
        },
    }


def tool_use(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": call_id, "name": name, "input": arguments}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def error_body(kind: str, msg: str, error_code: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"type": kind, "message": msg}
    if error_code:
        err["details"] = {"error_code": error_code}
    return {"type": "error", "error": err, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}


Reply = tuple[int, dict[str, Any], dict[str, str]]


class SleepClock:
    """A monotonic clock that only moves when the brain sleeps (between retries)."""

    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


class Hang(Exception):
    """A scripted request that never answers: the transport times out (as after ``timeout``)."""


class FakeMessagesAPI:
    """Answers POST /v1/messages from a script of (status, body, headers) replies.

    A ``Hang()`` in the script stands for a request the server never answers: the transport
    raises the read timeout the client would hit after its configured timeout, which each
    request records in ``timeouts``. ``count_tokens`` answers POST /v1/messages/count_tokens.
    """

    def __init__(
        self, replies: list[Reply | Hang] | Callable[[int], Reply], count_tokens: int = 1000
    ) -> None:
        self._replies = replies
        self._count = count_tokens
        self.requests: list[dict[str, Any]] = []
        self.timeouts: list[float] = []
        self.counted: list[dict[str, Any]] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/v1/messages/count_tokens":
            self.counted.append(json.loads(request.content))
            return httpx2.Response(200, json={"input_tokens": self._count})
        assert request.url.path == "/v1/messages", request.url.path
        self.requests.append(json.loads(request.content))
        self.timeouts.append(float(request.extensions["timeout"]["read"]))
        index = len(self.requests) - 1
        if callable(self._replies):
            reply = self._replies(index)
        else:
            reply = self._replies[min(index, len(self._replies) - 1)]
        if isinstance(reply, Hang):
            raise httpx2.ReadTimeout("timed out", request=request)
        status, body, headers = reply
        return httpx2.Response(status, json=body, headers={"request-id": f"req_{index}", **headers})

    def client(self) -> anthropic.Anthropic:
        http = httpx2.Client(transport=httpx2.MockTransport(self.handler))
        return anthropic.Anthropic(api_key="sk-ant-test", max_retries=0, http_client=http)


def ok(body: dict[str, Any]) -> Reply:
    return 200, body, {}


def replies(*items: Reply) -> Iterator[Reply]:
    yield from items


# Recorded shapes of real Messages API answers (ids, signatures and usage as the API sends
# them), one per stop reason the loop must handle.
SIGNATURE = (
    "EqQBCkgIARABGAIiQL2sVbH8kx0YqJ6v3TqC1kK0m0gWm0n4p8a6q2Zr1c3l2U6Q0Q0b6g4h3bCj8d2lq1Y9Gx"
    "fWm2o9Yh7D3mGq0NQSDPl0w5x7y0A9sT4ZfBoMh3kXb8J0nS2vR1lYIjA1i9a8sH2k4GjCw7p0xQ=="
)


def thinking(value: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": value, "signature": SIGNATURE}


def redacted_thinking() -> dict[str, Any]:
    return {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVy"}


def refusal() -> dict[str, Any]:
    """What the API sends when the model declines: a refusal stop reason, often no content."""
    return message([], stop_reason="refusal", output_tokens=3)


def truncated_tool_use() -> dict[str, Any]:
    """A tool call cut off by max_tokens: the API returns the input parsed so far."""
    return message(
        [
            text("I'll check the payments logs for the failing requests."),
            tool_use("toolu_cut", "query_logs", {"query": '{namespace="shop"} |= "err'}),
        ],
        stop_reason="max_tokens",
        output_tokens=4096,
    )


def submit(call_id: str = "toolu_submit", **extra: Any) -> dict[str, Any]:
    arguments = {"summary": "payments revision 12 throws on every request", "confidence": 0.6}
    return message([tool_use(call_id, "submit_report", {**arguments, **extra})])
