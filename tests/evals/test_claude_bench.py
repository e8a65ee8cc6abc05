"""The bench's prompt-cache simulator counts tokens the way the Messages API does."""

from __future__ import annotations

from typing import Any

from evals.claude_bench import CacheSimulator

BIG = "x" * 8000  # 2,000 tokens: above the minimum cacheable prefix
MARK = {"type": "ephemeral"}


def request(*user_texts: str) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    for i, value in enumerate(user_texts):
        if i:
            messages.append({"role": "assistant", "content": [{"type": "text", "text": "ok"}]})
        messages.append({"role": "user", "content": [{"type": "text", "text": value}]})
    messages[-1]["content"][-1]["cache_control"] = MARK
    return {
        "tools": [{"name": "t", "description": BIG, "cache_control": MARK}],
        "system": [{"type": "text", "text": "be brief", "cache_control": MARK}],
        "messages": messages,
    }


def test_first_request_writes_and_the_next_reads_the_shared_prefix() -> None:
    cache = CacheSimulator()
    first = cache.usage(request("a" * 400), "out")
    assert first["cache_read_input_tokens"] == 0
    assert first["cache_creation_input_tokens"] > 2000 and first["input_tokens"] == 0
    second = cache.usage(request("a" * 400, "b" * 400), "out")
    # Everything up to the previous breakpoint is read; only the new turn is written.
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert 100 <= second["cache_creation_input_tokens"] <= 140


def test_a_changed_system_prompt_reads_only_the_tools() -> None:
    cache = CacheSimulator()
    first = cache.usage(request("a" * 400), "out")
    changed = request("a" * 400)
    changed["system"][0]["text"] = "be very brief"
    read = cache.usage(changed, "out")["cache_read_input_tokens"]
    assert 2000 <= read < first["cache_creation_input_tokens"] - 100  # the tools breakpoint


def test_prefixes_below_the_minimum_are_not_cached() -> None:
    cache = CacheSimulator()
    small = {
        "tools": [],
        "system": [],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": MARK}]}
        ],
    }
    assert cache.usage(small, "o")["cache_creation_input_tokens"] == 0
    assert cache.usage(small, "o")["cache_read_input_tokens"] == 0
