"""What the template miner derives from a raw line, worked out once per investigation.

One investigation mines the same lines more than once: ``rank_components`` mines the scope's
lines around the onset, and ``query_logs`` then mines a workload's lines over a range that
overlaps it. Splitting a line (``agent.logs.structured``) and shaping its message (masks, then
``agent.logs.shape``, down to whether a word is a parameter by form) are pure functions of the
text, so ``ParsedLines`` keeps their results and every miner of the investigation that shares
it gets exactly what it would have computed.
What each miner *does* with them (its templates, their merges, ids) is still its own: only the
per-line work is shared, never a result that depends on which other lines were mined.

It is a per-investigation object (``tools.base.ToolContext`` holds one): it lives in memory for
one investigation and is neither persisted nor shown to anyone. It holds the lines as tools
received them from the backend — what tools return still goes through redaction as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from agent.logs.masking import mask
from agent.logs.shape import Shape, is_parameter, shape_of
from agent.logs.structured import split_message

T = TypeVar("T")

# Lines (and messages) remembered; past this, lines are worked out without being kept, so
# an investigation that reads a great many lines stays bounded in memory.
MAX_ENTRIES = 50_000


class ParsedLines:
    """Memo of ``split_message`` by raw line and of the masked shape by message."""

    __slots__ = ("_max", "_parameters", "_shapes", "_splits")

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        """Create an empty memo keeping at most ``max_entries`` lines and as many messages."""
        self._max = max_entries
        self._splits: dict[str, tuple[str, dict[str, str]]] = {}
        self._shapes: dict[str, Shape] = {}
        self._parameters: dict[str, bool] = {}

    def __repr__(self) -> str:
        # Never the lines themselves: they are raw backend data.
        return f"ParsedLines({len(self._splits)} lines, {len(self._shapes)} messages)"

    def split(self, line: str) -> tuple[str, dict[str, str]]:
        """``split_message(line)`` (the labels are shared: callers must not change them)."""
        return self._remembered(self._splits, line, split_message)

    def shape(self, message: str) -> Shape:
        """``shape_of(mask(message))``."""
        return self._remembered(self._shapes, message, self._shape_of)

    def _shape_of(self, message: str) -> Shape:
        return shape_of(mask(message), self._is_parameter)

    def _is_parameter(self, word: str) -> bool:
        return self._remembered(self._parameters, word, is_parameter)

    def _remembered(self, store: dict[str, T], key: str, compute: Callable[[str], T]) -> T:
        found = store.get(key)
        if found is None:
            found = compute(key)
            if len(store) < self._max:
                store[key] = found
        return found


class Unshared:
    """The same interface without a memo: every line is worked out afresh."""

    __slots__ = ()

    @staticmethod
    def split(line: str) -> tuple[str, dict[str, str]]:
        """``split_message(line)``."""
        return split_message(line)

    @staticmethod
    def shape(message: str) -> Shape:
        """``shape_of(mask(message))``."""
        return shape_of(mask(message))
