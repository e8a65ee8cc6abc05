"""Keep a tool result within the model's character budget.

Two passes. ``precap`` runs before redaction so its cost stays bounded (a 50 MB log dump is
cut to a few budgets' worth first); it keeps the head of every long string, and because the
final cut is much shorter than the pre-cut, a secret split at the pre-cut boundary never
reaches the model half-redacted. ``fit`` runs after redaction on the rendered text: it drops
structured detail, then cuts the summary, then the remaining free text, and marks the result
``truncated`` with a hint saying how to narrow the call.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tools.base import ToolResult

# How many budgets' worth of each string survives the pre-cut, before redaction.
_PRECAP_FACTOR = 2
# Caps for the free-text fields when even an empty summary does not fit.
_SIDE_TEXT = 400
_SIDE_ITEMS = 5
_NARROW_HINT = "result truncated to fit the budget: narrow the time range, query or limit"


def precap(result: ToolResult, max_chars: int) -> ToolResult:
    """Cut oversized strings and structured data before the (costlier) redaction pass."""
    cap = max_chars * _PRECAP_FACTOR
    changes: dict[str, object] = {}
    for name in ("summary", "request", "gap"):
        value = getattr(result, name)
        if isinstance(value, str) and len(value) > cap:
            changes[name] = value[:cap]
    for name in ("hints", "flags"):
        items: list[str] = getattr(result, name)
        if len(items) > cap // 10 or any(len(i) > cap for i in items):
            changes[name] = [i[:cap] for i in items[: cap // 10]]
    if result.data and _json_size(result.data) > cap:
        changes["data"] = _omitted(result)
    if not changes:
        return result
    return _mark(result.model_copy(update=changes))


def fit(result: ToolResult, max_chars: int, render: Callable[[ToolResult], str]) -> ToolResult:
    """Shrink ``result`` until ``render(result)`` is at most ``max_chars`` (best effort).

    Below about 1,500 characters the fixed framing alone may not fit; the result is then as
    small as the fields allow.
    """
    if len(render(result)) <= max_chars:
        return result
    if result.data and set(result.data) != {"omitted"}:
        result = _mark(result.model_copy(update={"data": _omitted(result)}))
        if len(render(result)) <= max_chars:
            return result
    result = _mark(result)
    overflow = len(render(result)) - max_chars
    if overflow > 0 and len(result.summary) > overflow:
        return _cut_summary(result, overflow)
    side = result.model_copy(
        update={
            "request": _clip(result.request, _SIDE_TEXT),
            "gap": _clip(result.gap, _SIDE_TEXT) if result.gap else result.gap,
            "hints": [_clip(h, _SIDE_TEXT) for h in result.hints[-_SIDE_ITEMS:]],
            "flags": [_clip(f, _SIDE_TEXT) for f in result.flags[:_SIDE_ITEMS]],
            "data": {},
        }
    )
    overflow = len(render(side)) - max_chars
    return _cut_summary(side, overflow) if overflow > 0 else side


def _cut_summary(result: ToolResult, overflow: int) -> ToolResult:
    note = "\n… [{} characters cut]"
    # The note's own length depends on the number it prints; leave room for a 12-digit count.
    keep = max(0, len(result.summary) - overflow - len(note.format(10**12)))
    dropped = len(result.summary) - keep
    return result.model_copy(update={"summary": result.summary[:keep] + note.format(dropped)})


def _mark(result: ToolResult) -> ToolResult:
    hints = result.hints if _NARROW_HINT in result.hints else [*result.hints, _NARROW_HINT]
    # An error stays an error: "truncated" replaces only a successful status.
    status = "truncated" if result.status == "ok" else result.status
    return result.model_copy(update={"status": status, "hints": hints})


def _omitted(result: ToolResult) -> dict[str, object]:
    return {"omitted": f"{_json_size(result.data)} characters of structured detail"}


def _json_size(data: object) -> int:
    return len(json.dumps(data, separators=(",", ":"), default=str))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
