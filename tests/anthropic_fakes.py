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


class FakeMessagesAPI:
    """Answers POST /v1/messages from a script of (status, body, headers) replies."""

    def __init__(self, replies: list[Reply] | Callable[[int], Reply]) -> None:
        self._replies = replies
        self.requests: list[dict[str, Any]] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/v1/messages", request.url.path
        self.requests.append(json.loads(request.content))
        index = len(self.requests) - 1
        if callable(self._replies):
            status, body, headers = self._replies(index)
        else:
            status, body, headers = self._replies[min(index, len(self._replies) - 1)]
        return httpx2.Response(status, json=body, headers={"request-id": f"req_{index}", **headers})

    def client(self) -> anthropic.Anthropic:
        http = httpx2.Client(transport=httpx2.MockTransport(self.handler))
        return anthropic.Anthropic(api_key="sk-ant-test", max_retries=0, http_client=http)


def ok(body: dict[str, Any]) -> Reply:
    return 200, body, {}


def replies(*items: Reply) -> Iterator[Reply]:
    yield from items
