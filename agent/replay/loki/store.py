"""The recorded log lines, indexed once: grouped into streams, each sorted by time."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from agent.bundle.model import LogRecord
from agent.replay.loki import nodes
from agent.replay.loki.pipeline import compile_matcher

LabelKey = tuple[tuple[str, str], ...]


def label_key(labels: dict[str, str]) -> LabelKey:
    """A hashable, sorted form of a label set; empty values count as absent."""
    return tuple(sorted((k, v) for k, v in labels.items() if v))


def utf8_len(line: str) -> int:
    """Size of ``line`` in bytes, as Loki counts it."""
    return len(line) if line.isascii() else len(line.encode())


@dataclass(slots=True)
class Stream:
    """One stream: a label set and its lines in time order (``ts`` sorted ascending)."""

    labels: dict[str, str]
    ts: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def span(self, start_ns: int, end_ns: int, *, end_inclusive: bool = False) -> range:
        """Indices of lines with ``start_ns <= ts < end_ns`` (``<=`` when ``end_inclusive``)."""
        lo = bisect_left(self.ts, start_ns)
        hi = (bisect_right if end_inclusive else bisect_left)(self.ts, end_ns)
        return range(lo, max(lo, hi))


class LogStore:
    """All streams of a recording; select them by matchers, then bisect by time."""

    def __init__(self, records: Iterable[LogRecord]) -> None:
        by_key: dict[LabelKey, list[tuple[int, str]]] = {}
        labels_of: dict[LabelKey, dict[str, str]] = {}
        for record in records:
            key = label_key(record.labels)
            by_key.setdefault(key, []).append((record.ts_ns, record.line))
            labels_of.setdefault(key, dict(key))
        self.streams: list[Stream] = []
        for key in sorted(by_key):
            entries = by_key[key]
            entries.sort(key=lambda entry: entry[0])  # stable: equal stamps keep file order
            self.streams.append(
                Stream(labels_of[key], [e[0] for e in entries], [e[1] for e in entries])
            )
        self.newest_ns = max((s.ts[-1] for s in self.streams), default=0)

    def select(self, matchers: Sequence[nodes.Matcher]) -> list[Stream]:
        """The streams whose labels satisfy every matcher."""
        tests = [(m.name, compile_matcher(m)) for m in matchers]
        return [s for s in self.streams if all(t(s.labels.get(n, "")) for n, t in tests)]

    def active(self, streams: Iterable[Stream], start_ns: int, end_ns: int) -> list[Stream]:
        """The given streams that have at least one line in ``[start_ns, end_ns]``."""
        return [s for s in streams if s.span(start_ns, end_ns, end_inclusive=True)]
