"""Evaluate a log query: select streams, run the pipeline, merge by time, stop at ``limit``."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Literal

from agent.replay.loki import nodes
from agent.replay.loki.pipeline import Pipeline
from agent.replay.loki.store import LabelKey, LogStore, Stream, label_key, utf8_len

Direction = Literal["forward", "backward"]
# (time key, stream number, index key, line, labels); keys are negated when going backward.
# The middle two break ties so the heap never compares label dicts.
_Entry = tuple[int, int, int, str, Mapping[str, str]]


@dataclass(slots=True)
class ScanStats:
    """What a query touched, reported in Loki's ``stats`` block."""

    lines: int = 0
    bytes: int = 0
    entries_returned: int = 0
    streams: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class StreamResult:
    """One output stream: its labels (stream + parsed) and ``(ts_ns, line)`` values."""

    labels: dict[str, str]
    values: list[tuple[int, str]]


def query_logs(
    store: LogStore,
    selector: nodes.LogSelector,
    start_ns: int,
    end_ns: int,
    limit: int,
    direction: Direction,
    stats: ScanStats,
) -> list[StreamResult]:
    """Return up to ``limit`` entries with ``start_ns <= ts < end_ns``.

    ``backward`` takes the newest entries (newest first); ``forward`` the oldest.
    """
    pipeline = Pipeline(selector.stages)
    backward = direction == "backward"
    streams = store.select(selector.matchers)
    sources = [
        _scan(number, stream, stream.span(start_ns, end_ns), pipeline, backward, stats)
        for number, stream in enumerate(streams)
    ]
    grouped: dict[LabelKey, StreamResult] = {}
    # Without a parser stage an entry carries its stream's own labels: key them once.
    stream_keys: dict[int, LabelKey] = {}
    for sort_key, number, _, line, labels in islice(heapq.merge(*sources), limit):
        if labels is streams[number].labels:
            key = stream_keys.get(number) or stream_keys.setdefault(number, label_key(labels))
        else:
            key = label_key(dict(labels))
        result = grouped.get(key)
        if result is None:
            result = grouped[key] = StreamResult(dict(key), [])
        result.values.append((-sort_key if backward else sort_key, line))
    stats.entries_returned = sum(len(r.values) for r in grouped.values())
    return list(grouped.values())


def _scan(
    number: int,
    stream: Stream,
    indices: range,
    pipeline: Pipeline,
    backward: bool,
    stats: ScanStats,
) -> Iterator[_Entry]:
    """Yield a stream's matching entries in output order (lazily: merging stops at limit)."""
    ts, lines, labels = stream.ts, stream.lines, stream.labels
    if indices:
        stats.streams.add(number)
    for i in reversed(indices) if backward else indices:
        line = lines[i]
        stats.lines += 1
        stats.bytes += utf8_len(line)
        out = pipeline.process(line, labels)
        if out is not None:
            yield (-ts[i], number, -i, out[0], out[1]) if backward else (ts[i], number, i, *out)
