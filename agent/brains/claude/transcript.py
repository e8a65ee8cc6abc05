"""The investigation's transcript as Messages API ``messages``, cached incrementally.

Cache breakpoints (at most four): the last tool, the system prompt, the end of the previous
request (a cache read) and the end of this one (a cache write for the next turn). Everything
sent back is byte-identical to what was sent before, so each turn pays full price only for
what is new: assistant content is replayed exactly as received (thinking blocks and their
signatures included, whitespace-only text dropped since the API rejects it), and the status
after each turn's results is read from the state, never recomputed.

Long conversations clear old tool results (``Clearing``). Quotes are verified against the
stored state, not the transcript, so this loses nothing the ledger needs. Clearing rewrites
the middle of a cached prefix, so it costs a cache write: it pays off against the context
window, not against the bill (cached tokens cost a tenth), and the brain asks for it only when
the conversation fills a good part of the window. The cleared boundary then moves in steps of
several turns, so the prefix changes rarely rather than on every turn.
"""

from __future__ import annotations

from typing import Any, Literal

from agent.investigation.state import CallRecord, InvestigationState, Turn

from .prompt import opening_message

EPHEMERAL = {"type": "ephemeral"}
KEEP_TURNS = 4  # the results of this many latest turns are always sent in full
CLEAR_STEP_TURNS = 8  # older results are cleared in batches of this many turns

NUDGE = (
    "You answered without a tool call. Continue with tool calls, or call submit_report now if "
    "you are done."
)
CUT_OFF = "Your last answer was cut off by the output limit; answer more briefly."
PAUSED = "Continue."

# none: every result in full; old: results older than KEEP_TURNS (in batches); all: every
# result (the context window overflowed; the ledger keeps the facts).
Clearing = Literal["none", "old", "all"]


def cleared_before(turns: int, clearing: Clearing) -> int:
    """Index of the first turn whose tool results are still sent in full."""
    if clearing == "all":
        return turns
    if clearing == "old":
        return max(0, (turns - KEEP_TURNS) // CLEAR_STEP_TURNS * CLEAR_STEP_TURNS)
    return 0


def to_messages(
    state: InvestigationState, *, final_note: str | None = None, clearing: Clearing = "none"
) -> list[dict[str, Any]]:
    """The transcript as alternating user/assistant messages, with two moving breakpoints."""
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": opening_message(state)}]}
    ]
    boundary = cleared_before(len(state.turns), clearing)
    for turn in state.turns:
        messages.append({"role": "assistant", "content": assistant_content(turn)})
        messages.append({"role": "user", "content": _user_content(turn, turn.index < boundary)})
    if final_note is not None:
        messages[-1]["content"].append({"type": "text", "text": final_note})
    if len(messages) >= 3:
        _mark(messages[-3])
    _mark(messages[-1])
    return messages


def assistant_content(turn: Turn) -> list[dict[str, Any]]:
    """The assistant message as received, minus what the API would reject."""
    called = {c.id for c in turn.calls}
    if turn.content:
        blocks = [
            dict(b)
            for b in turn.content
            if not _blank_text(b) and (b.get("type") != "tool_use" or b.get("id") in called)
        ]
    else:  # brains without raw content (scripted, or a state from an older version)
        blocks = [{"type": "text", "text": turn.text}] if turn.text.strip() else []
        blocks += [
            {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
            for c in turn.calls
        ]
    return blocks or [{"type": "text", "text": "(no answer)"}]


def _user_content(turn: Turn, cleared: bool) -> list[dict[str, Any]]:
    content: list[dict[str, Any]]
    if turn.calls:
        content = [_result(call, cleared) for call in turn.calls]
    elif turn.stop_reason == "max_tokens":
        content = [{"type": "text", "text": CUT_OFF}]
    elif turn.stop_reason == "pause_turn":
        content = [{"type": "text", "text": PAUSED}]
    else:
        content = [{"type": "text", "text": NUDGE}]
    if turn.status:
        content.append({"type": "text", "text": turn.status})
    return content


def _result(call: CallRecord, cleared: bool) -> dict[str, Any]:
    prefix = f"[{call.ref}] " if call.ref else ""
    if cleared:
        text = (
            f"{prefix}{call.name} result cleared to save context (it is older than "
            f"{KEEP_TURNS} turns). Quotes from it still verify; re-run the call if you need it."
        )
    else:
        text = prefix + (call.output or "(empty)")
    return {
        "type": "tool_result",
        "tool_use_id": call.id,
        "content": text,
        "is_error": call.is_error,
    }


def _blank_text(block: dict[str, Any]) -> bool:
    return block.get("type") == "text" and not str(block.get("text", "")).strip()


def _mark(message: dict[str, Any]) -> None:
    """Put a cache breakpoint on the message's last block."""
    last = dict(message["content"][-1])
    last["cache_control"] = EPHEMERAL
    message["content"] = [*message["content"][:-1], last]
