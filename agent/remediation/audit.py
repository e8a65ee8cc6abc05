"""An append-only, hash-chained JSONL audit log of approval decisions.

Each record carries the SHA-256 of the previous line (``prev``) and of itself (``hash``), so
deleting or editing a line breaks the chain (``verify_chain``). Records are single JSON lines:
``json.dumps`` escapes CR/LF in any attacker-influenced value, so no value can forge a record.
Request bodies are stored as their hash, not in full, because a pod template can carry
environment values that must not be copied into logs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_GENESIS = "0" * 64


def _digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditLog:
    """Appends decision records to one JSONL file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _last_hash(self) -> str:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return _GENESIS
        return str(json.loads(lines[-1])["hash"]) if lines else _GENESIS

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append ``record`` (JSON-serialisable) with its chain hashes; return what was written."""
        chained = {**record, "prev": self._last_hash()}
        chained["hash"] = _digest(chained)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(chained, sort_keys=True, ensure_ascii=True) + "\n")
        return chained

    def records(self) -> list[dict[str, Any]]:
        """Every record, oldest first."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line]

    def verify_chain(self) -> list[str]:
        """Problems with the chain (an edited, removed or reordered line); empty when intact."""
        problems = []
        previous = _GENESIS
        for number, record in enumerate(self.records(), start=1):
            body = {k: v for k, v in record.items() if k != "hash"}
            if record.get("prev") != previous:
                problems.append(f"{self.path}:{number}: does not follow the previous record")
            if _digest(body) != record.get("hash"):
                problems.append(f"{self.path}:{number}: content does not match its hash")
            previous = str(record.get("hash"))
        return problems
