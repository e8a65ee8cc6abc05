"""The audit log: one JSON line per tool decision, chained by SHA-256 so edits are detectable.

Each record carries ``prev_hash`` (the previous record's ``hash``, or 64 zeros for the first)
and ``hash`` = sha256(prev_hash + canonical JSON of the record without ``hash``). Canonical JSON
is sorted, compact and ASCII-only, so no record contains a raw CR, LF or Unicode line separator
(CWE-117 log injection). Callers redact before appending: this module stores what it is given.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

GENESIS = "0" * 64


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


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _digest(fields: dict[str, Any]) -> str:
    body = {k: v for k, v in fields.items() if k != "hash"}
    return hashlib.sha256((fields.get("prev_hash", "") + _canonical(body)).encode()).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """An append-only, hash-chained JSONL log; in memory when ``path`` is ``None``.

    Appending to an existing file continues its chain. Safe to use from several threads.
    """

    def __init__(self, path: str | Path | None, clock: Callable[[], datetime] = _utcnow) -> None:
        self._path = Path(path) if path is not None else None
        self._clock = clock
        self._lock = threading.Lock()
        self._memory: list[AuditRecord] = []
        self._last = GENESIS
        if self._path is not None and self._path.exists():
            last_line = ""
            with self._path.open(encoding="ascii") as handle:
                for line in handle:
                    last_line = line or last_line
            if last_line.strip():
                self._last = str(json.loads(last_line)["hash"])

    def append(self, **fields: Any) -> AuditRecord:
        """Add a record stamped with the clock and chained to the previous one.

        Args:
            **fields: ``AuditRecord`` fields other than ``time``, ``prev_hash`` and ``hash``.
        """
        with self._lock:
            draft = AuditRecord(time=self._clock(), prev_hash=self._last, **fields)
            data = draft.model_dump(mode="json")
            data["hash"] = _digest(data)
            record = AuditRecord.model_validate(data)
            if self._path is None:
                self._memory.append(record)
            else:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                with self._path.open("a", encoding="ascii") as handle:
                    handle.write(_canonical(data) + "\n")
            self._last = record.hash
            return record

    def records(self) -> list[AuditRecord]:
        """Every record, oldest first (read back from the file when there is one)."""
        with self._lock:
            if self._path is None:
                return list(self._memory)
            if not self._path.exists():
                return []
            with self._path.open(encoding="ascii") as handle:
                return [AuditRecord.model_validate_json(line) for line in handle if line.strip()]


def verify_chain(path: str | Path) -> bool:
    """Whether every record's hash is intact and links to the one before it."""
    previous = GENESIS
    try:
        with Path(path).open(encoding="ascii") as handle:
            for line in handle:
                data = json.loads(line)
                if not isinstance(data, dict) or data.get("prev_hash") != previous:
                    return False
                if data.get("hash") != _digest(data):
                    return False
                previous = data["hash"]
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return True
