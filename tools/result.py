"""Build ``ToolResult`` envelopes: gaps for missing or failed backends, and budget-fitted text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from agent.errors import BackendError
from agent.safety.untrusted import flag_instructions

from .base import TimeSpan, ToolResult
from .summarise.numbers import clock_dt


def span_text(span: TimeSpan) -> str:
    """``[start, end]`` in RFC3339 UTC."""
    return f"[{clock_dt(span.start)}, {clock_dt(span.end)}]"


def not_configured(tool: str, backend: str, request: str, span: TimeSpan | None) -> ToolResult:
    """The result for a tool whose backend is not configured."""
    return ToolResult(
        tool=tool,
        status="error",
        request=request,
        time_range=span,
        gap=f"{backend} not configured",
    )


def failed(
    tool: str, error: BackendError, request: str, span: TimeSpan | None, missing: str
) -> ToolResult:
    """The result for a backend failure: a gap naming the error and what is now missing."""
    return ToolResult(
        tool=tool,
        status="error",
        request=request,
        time_range=span,
        gap=f"{error} ({missing} missing)",
    )


def json_size(document: Any) -> int:
    """Size in bytes of ``document`` serialised as compact JSON."""
    return len(json.dumps(document, separators=(",", ":"), default=str).encode())


def untrusted_flags(texts: Iterable[str]) -> list[str]:
    """Reasons why any of ``texts`` (telemetry) reads like instructions, deduplicated."""
    flags: list[str] = []
    for text in texts:
        for reason in flag_instructions(text):
            if reason not in flags:
                flags.append(reason)
    return flags


def fit(head: Sequence[str], items: Sequence[str], max_chars: int) -> tuple[str, int]:
    """Join ``head`` and as many ``items`` (most important first) as fit in ``max_chars``.

    Returns the text and how many items were left out; a trailing note says how many.
    """
    lines = list(head)
    used = sum(len(line) + 1 for line in lines)
    reserve = 60  # room for the "… N more" note
    kept = 0
    for item in items:
        if used + len(item) + 1 > max_chars - reserve:
            break
        lines.append(item)
        used += len(item) + 1
        kept += 1
    left = len(items) - kept
    if left:
        lines.append(f"… {left} more not shown")
    text = "\n".join(lines)
    return text[:max_chars], left


def envelope(
    *,
    tool: str,
    request: str,
    span: TimeSpan | None,
    head: Sequence[str],
    items: Sequence[str],
    max_chars: int,
    data: dict[str, Any],
    raw_bytes: int,
    narrow_hint: str,
    empty: bool,
    truncated: bool = False,
    flags: Sequence[str] = (),
    hints: Sequence[str] = (),
) -> ToolResult:
    """A successful result: ``no_data`` if ``empty``, ``truncated`` if anything was left out."""
    summary, left = fit(head, items, max_chars)
    cut = truncated or left > 0
    all_hints = list(hints) + ([narrow_hint] if cut else [])
    return ToolResult(
        tool=tool,
        status="no_data" if empty else ("truncated" if cut else "ok"),
        request=request,
        time_range=span,
        summary=summary,
        data=data,
        hints=all_hints,
        flags=list(flags),
        raw_bytes=raw_bytes,
    )
