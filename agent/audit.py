"""The audit log of tool decisions: one hash-chained JSON line per decision.

The chain itself (and its CR/LF-proof canonical form) lives in ``agent.hashchain``; this module
adds the typed record. Callers redact before appending: this module stores what it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.hashchain import GENESIS, ChainFile, chain_problems


class AuditRecord(BaseModel):
    """One decision about one tool call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    investigation_id: str
    time: datetime
    call_id: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    decision: str  # "allow", "deny" or "error" (unknown tool, invalid arguments)
    rule: str
    reason: str = ""
    status: str
    result_chars: int = 0
    duration_ms: float = 0.0
    truncated: bool = False
    flags: list[str] = Field(default_factory=list)
    prev_hash: str = GENESIS
    hash: str = ""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """An append-only, hash-chained JSONL log; in memory when ``path`` is ``None``.

    Appending to an existing file continues its chain. Safe to use from several threads.
    """

    def __init__(self, path: str | Path | None, clock: Callable[[], datetime] = _utcnow) -> None:
        self._chain = ChainFile(path)
        self._clock = clock

    def append(self, **fields: Any) -> AuditRecord:
        """Add a record stamped with the clock and chained to the previous one.

        Args:
            **fields: ``AuditRecord`` fields other than ``time``, ``prev_hash`` and ``hash``.
        """
        # Validated before it is written, so a malformed record never enters the chain.
        draft = AuditRecord(time=self._clock(), **fields).model_dump(
            mode="json", exclude={"prev_hash", "hash"}
        )
        return AuditRecord.model_validate(self._chain.append(draft))

    def records(self) -> list[AuditRecord]:
        """Every record, oldest first (read back from the file when there is one)."""
        return [AuditRecord.model_validate(r) for r in self._chain.records()]


def verify_chain(path: str | Path) -> bool:
    """Whether every record's hash is intact and links to the one before it."""
    return not chain_problems(path)
