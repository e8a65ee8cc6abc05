"""Append-only JSONL files chained by SHA-256, so an edited, removed or reordered line shows.

Each record carries ``prev_hash`` (the previous record's ``hash``, or 64 zeros for the first)
and ``hash`` = sha256(prev_hash + canonical JSON of the record without ``hash``). Canonical JSON
is sorted, compact and ASCII-only, so no record contains a raw CR, LF or Unicode line separator
(CWE-117: a logged value cannot forge a record). Callers redact before appending.

Both audit logs use it: tool decisions (``agent.audit``) and approvals (``agent.remediation``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def canonical(fields: dict[str, Any]) -> str:
    """The one JSON form that is hashed and written."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def digest(fields: dict[str, Any]) -> str:
    """The hash of a record: its ``prev_hash`` followed by its canonical JSON without ``hash``."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    return hashlib.sha256((str(fields.get("prev_hash", "")) + canonical(body)).encode()).hexdigest()


class ChainFile:
    """A hash-chained JSONL file (kept in memory when ``path`` is ``None``); thread-safe.

    Every append chains to the file's current last line, so several writers of one file (the
    CLI and the server approving in one state directory) keep a single chain.
    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._memory: list[dict[str, Any]] = []

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Chain ``fields`` (JSON-serialisable) to the last record, write it, return it."""
        with self._lock:
            record = {**fields, "prev_hash": self._last_hash()}
            record["hash"] = digest(record)
            if self.path is None:
                self._memory.append(record)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="ascii") as handle:
                    handle.write(canonical(record) + "\n")
            return record

    def _last_hash(self) -> str:
        if self.path is None:
            return str(self._memory[-1]["hash"]) if self._memory else GENESIS
        try:
            with self.path.open("rb") as handle:
                # Read back from the end until a whole last line is in hand.
                size = handle.seek(0, 2)
                block = 4096
                while True:
                    start = max(0, size - block)
                    handle.seek(start)
                    lines = handle.read().splitlines()
                    if len(lines) > 1 or start == 0:
                        break
                    block *= 4
        except FileNotFoundError:
            return GENESIS
        last = next((line for line in reversed(lines) if line.strip()), b"")
        return str(json.loads(last)["hash"]) if last else GENESIS

    def records(self) -> list[dict[str, Any]]:
        """Every record, oldest first."""
        with self._lock:
            return list(self._memory) if self.path is None else self._read()

    def _read(self) -> list[dict[str, Any]]:
        assert self.path is not None
        if not self.path.exists():
            return []
        text = self.path.read_text(encoding="ascii")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def chain_problems(path: str | Path) -> list[str]:
    """What breaks the chain of the file at ``path`` (empty when intact), line by line."""
    problems: list[str] = []
    previous = GENESIS
    try:
        lines = Path(path).read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{path}: cannot read: {exc}"]
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError:
            problems.append(f"{path}:{number}: not a JSON record")
            continue
        if not isinstance(record, dict):
            problems.append(f"{path}:{number}: not a JSON record")
            continue
        if record.get("prev_hash") != previous:
            problems.append(f"{path}:{number}: does not follow the previous record")
        if record.get("hash") != digest(record):
            problems.append(f"{path}:{number}: content does not match its hash")
        previous = str(record.get("hash"))
    return problems
