"""``make bench``, Claude section: input tokens per turn and dollars per investigation.

A scripted 8-turn and 24-turn investigation of a bundled incident runs through the real
loop, the real tools against the replay, the real ``ClaudeBrain`` and the real SDK; the
Messages API is a mock transport that captures every request body and answers with usage
computed the way the API counts it:

- tokens are estimated as characters / 4 of each block as sent (tools, system blocks,
  message blocks in order), which is what the breakpoints divide;
- a request reads from the cache the longest prefix ending at a block that an earlier
  request wrote, found by looking back up to 20 blocks from each ``cache_control``
  breakpoint; it writes every breakpoint prefix beyond that; prefixes under 1,024 tokens are
  not cached (the API's minimum for Sonnet-class models); the rest is uncached input.

Prices are $3 / $15 per million input / output tokens, cache writes 1.25x and reads 0.1x.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import anthropic
import httpx2

from agent.brains.claude import ClaudeBrain
from agent.config.settings import ModelSettings, ReplaySettings
from agent.investigation.budget import Budget
from agent.replay.environment import ReplayEnvironment

from .runner import EvalConfig, investigate_replay

PRICES = ModelSettings(input_price=3.0, output_price=15.0)
LOOKBACK_BLOCKS = 20
MIN_CACHEABLE_TOKENS = 1024
GOALS: dict[str, tuple[float, bool]] = {
    "claude_8turn_usd": (0.09, False),
    "claude_cached_share_from_turn3": (0.70, True),
}


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _blocks(body: dict[str, Any]) -> tuple[list[str], list[int]]:
    """Every block of a request in prefix order, and the indices carrying a breakpoint."""
    blocks: list[dict[str, Any]] = [*body.get("tools", []), *body.get("system", [])]
    for message in body["messages"]:
        content = message["content"]
        items = [{"type": "text", "text": content}] if isinstance(content, str) else content
        blocks += [{"role": message["role"], **item} for item in items]
    marks = [i for i, b in enumerate(blocks) if "cache_control" in b]
    plain = [json.dumps({k: v for k, v in b.items() if k != "cache_control"}) for b in blocks]
    return plain, marks


class CacheSimulator:
    """Usage of each request as the Messages API would count it, prompt caching included."""

    def __init__(self) -> None:
        self._written: set[str] = set()

    def usage(self, body: dict[str, Any], output: str) -> dict[str, int]:
        """``input_tokens``, ``cache_read_input_tokens``, ``cache_creation_input_tokens``."""
        blocks, marks = _blocks(body)
        sums, digests, total, digest = [], [], 0, hashlib.sha256()
        for block in blocks:
            total += _tokens(block)
            digest.update(block.encode())
            sums.append(total)
            digests.append(digest.copy().hexdigest())
        hit = -1
        for mark in marks:
            for i in range(mark, max(-1, mark - LOOKBACK_BLOCKS), -1):
                if digests[i] in self._written:
                    hit = max(hit, i)
                    break
        read = sums[hit] if hit >= 0 else 0
        last = max((m for m in marks if sums[m] >= MIN_CACHEABLE_TOKENS), default=-1)
        for mark in marks:
            if sums[mark] >= MIN_CACHEABLE_TOKENS:
                self._written.add(digests[mark])
        write = max(0, sums[last] - read) if last > hit else 0
        return {
            "input_tokens": total - read - write,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
            "output_tokens": _tokens(output),
        }


def _script(turn: int, turns: int, namespace: str) -> list[dict[str, Any]]:
    """What the scripted model answers on ``turn`` (0-based): two reads, a ledger step, a report."""
    if turn == turns - 1:
        args = {"root_cause_hypothesis": "H1", "summary": "scripted", "confidence": 0.5}
        return [
            {"type": "tool_use", "id": f"toolu_{turn}_s", "name": "submit_report", "input": args}
        ]
    if turn == 1:
        propose = {
            "statement": "a recent change broke the service",
            "component": "x",
            "category": "deployment",
        }
        return [
            {"type": "tool_use", "id": "toolu_1_p", "name": "propose_hypothesis", "input": propose}
        ]
    reads = [
        ("deployment_history", {"namespace": namespace, "lookback": "2h"}),
        ("pod_status", {"namespace": namespace}),
        ("k8s_events", {"namespace": namespace}),
        ("query_logs", {"query": f'{{namespace="{namespace}"}} |= "error"', "lookback": "1h"}),
        ("log_labels", {}),
        ("service_graph", {}),
        ("list_metrics", {"match": f'{{namespace="{namespace}"}}'}),
        ("trace_lookup", {"errors_only": True}),
    ]
    picked = [reads[(2 * turn) % len(reads)], reads[(2 * turn + 1) % len(reads)]]
    text = {"type": "text", "text": "Checking the next two sources in parallel."}
    return [text] + [
        {"type": "tool_use", "id": f"toolu_{turn}_{i}", "name": name, "input": args}
        for i, (name, args) in enumerate(picked)
    ]


class ScriptedMessagesAPI:
    """A mock transport: the scripted model, with usage from the cache simulator."""

    def __init__(self, turns: int) -> None:
        self.turns = turns
        self.cache = CacheSimulator()
        self.usages: list[dict[str, int]] = []
        self.prefix_tokens = 0

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one POST /v1/messages with the script's next turn."""
        body = json.loads(request.content)
        prefix = [*body["tools"], *body["system"]]
        self.prefix_tokens = sum(_tokens(json.dumps(block)) for block in prefix)
        opening = json.dumps(body["messages"][0])
        found = re.search(r'\\"namespace\\": \\"([a-z0-9-]+)\\"', opening)
        content = _script(len(self.usages), self.turns, found.group(1) if found else "default")
        usage = self.cache.usage(body, json.dumps(content))
        self.usages.append(usage)
        stop = "tool_use"
        answer = {
            "id": f"msg_{len(self.usages)}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        return httpx2.Response(200, json=answer)


def measure_claude(bundle: Path, cache: Path, turns: int) -> dict[str, Any]:
    """One scripted ``turns``-turn Claude investigation: tokens per turn, cache share, dollars."""
    api = ScriptedMessagesAPI(turns)
    client = anthropic.Anthropic(
        api_key="bench",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(api.handler)),
    )

    def make_brain(catalog: Any, deadline: Any) -> ClaudeBrain:
        return ClaudeBrain(client, PRICES, deadline=deadline)

    config = EvalConfig(
        make_brain=make_brain, budget=Budget(max_steps=turns + 5, max_tool_calls=200)
    )
    replay = ReplayEnvironment(bundle, ReplaySettings(cache_dir=cache))
    with replay as endpoints:
        inner = replay.bundle
        _, state = investigate_replay(
            endpoints, inner.catalog, inner.incident.alert_fingerprint, config
        )
    per_turn = [
        u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
        for u in api.usages
    ]
    shares = [
        round(u["cache_read_input_tokens"] / total, 3) if total else 0.0
        for u, total in zip(api.usages, per_turn, strict=True)
    ]
    return {
        "turns": len(api.usages),
        "prefix_tokens": api.prefix_tokens,
        "input_tokens_per_turn": per_turn,
        "cached_share_per_turn": shares,
        "input_tokens_total": sum(per_turn),
        "usd": round(state.usage.cost_usd, 4),
        "usd_uncached": round(
            sum(per_turn) * 3e-6 + sum(u["output_tokens"] for u in api.usages) * 15e-6, 4
        ),
    }


def claude_figures(bundle: Path, cache: Path) -> dict[str, Any]:
    """The Claude section of the bench: the 8- and 24-turn runs and the goal figures."""
    short, long = measure_claude(bundle, cache, 8), measure_claude(bundle, cache, 24)
    return {
        "claude_8turn": short,
        "claude_24turn": long,
        "results": {
            "claude_8turn_usd": short["usd"],
            "claude_24turn_usd": long["usd"],
            "claude_8turn_input_tokens": short["input_tokens_total"],
            "claude_8turn_usd_uncached": short["usd_uncached"],
            # The lowest share of any turn from the third on, in either run.
            "claude_cached_share_from_turn3": min(
                short["cached_share_per_turn"][2:] + long["cached_share_per_turn"][2:]
            ),
        },
    }


def render_claude(figures: dict[str, Any]) -> list[str]:
    """Per run: input tokens and cached share of every turn, then the totals."""
    lines = []
    for name in ("claude_8turn", "claude_24turn"):
        run = figures.get(name)
        if not run:
            continue
        tokens = " ".join(f"{t / 1000:.1f}k" for t in run["input_tokens_per_turn"])
        shares = " ".join(f"{s:.0%}" for s in run["cached_share_per_turn"])
        lines += [
            f"{name}: prefix (tools + system) {run['prefix_tokens']} tokens; "
            f"{run['input_tokens_total']} input tokens; ${run['usd']} "
            f"(uncached ${run['usd_uncached']})",
            f"  input tokens per turn: {tokens}",
            f"  cached share per turn: {shares}",
        ]
    return [*lines, ""] if lines else []
