"""The append-only, hash-chained JSONL audit log of approval decisions.

The chain is ``agent.hashchain``'s, shared with the tool-decision log. Request bodies are stored
as their hash, not in full, because a pod template can carry environment values that must not
be copied into logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.hashchain import ChainFile, chain_problems


class AuditLog:
    """Appends approval records to one JSONL file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._chain = ChainFile(path)

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append ``record`` (JSON-serialisable) with its chain hashes; return what was written."""
        return self._chain.append(record)

    def records(self) -> list[dict[str, Any]]:
        """Every record, oldest first."""
        return self._chain.records()

    def verify_chain(self) -> list[str]:
        """Problems with the chain (an edited, removed or reordered line); empty when intact."""
        return chain_problems(self.path) if self.path.exists() else []
