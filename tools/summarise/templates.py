"""Cluster log lines into templates and mark each NEW, SPIKE or KNOWN against a baseline.

Window and baseline lines go through one miner, so a baseline line counts toward the window
template it matches. A template is NEW when no baseline line matched it, SPIKE when its rate is
at least ``SPIKE_RATIO`` times the baseline rate (and it is frequent enough to matter), KNOWN
otherwise. Rates use the time each fetch actually covered, since fetches are capped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from agent.bundle.model import LogRecord
from agent.logs import TemplateMiner
from agent.logs.parsed import ParsedLines

Mark = Literal["NEW", "SPIKE", "KNOWN"]

SPIKE_RATIO = 5.0
SPIKE_MIN_COUNT = 10
# Stream labels that say where a line came from, most specific first.
SOURCE_LABELS = ("pod", "app", "service_name", "container", "job")
_MAX_EXAMPLE_CHARS = 240


def mark(
    count: int,
    seconds: float,
    baseline_count: int,
    baseline_seconds: float,
    *,
    ratio: float = SPIKE_RATIO,
    min_count: int = SPIKE_MIN_COUNT,
) -> Mark:
    """Classify a template by its window count against its baseline count."""
    if baseline_count == 0:
        return "NEW"
    rate = count / max(seconds, 1e-9)
    baseline_rate = baseline_count / max(baseline_seconds, 1e-9)
    if count >= min_count and rate >= ratio * baseline_rate:
        return "SPIKE"
    return "KNOWN"


def shorten(line: str, limit: int = _MAX_EXAMPLE_CHARS) -> str:
    """One line, whitespace collapsed, cut to ``limit`` characters."""
    flat = " ".join(line.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(slots=True)
class TemplateFacts:
    """What the model gets about one template."""

    id: int
    template: str = ""
    count: int = 0
    baseline_count: int = 0
    first_ns: int = 0
    last_ns: int = 0
    examples: list[str] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)
    mark: Mark | None = None

    def add(self, record: LogRecord) -> None:
        """Count one window line."""
        self.count += 1
        self.first_ns = record.ts_ns if not self.first_ns else min(self.first_ns, record.ts_ns)
        self.last_ns = max(self.last_ns, record.ts_ns)
        example = shorten(record.line)
        if len(self.examples) < 2 and example not in self.examples:
            self.examples.append(example)
        self._add_source(record)

    def absorb(self, other: TemplateFacts) -> None:
        """Count the window lines of a template that turned out to be this one."""
        self.count += other.count
        self.first_ns = min(self.first_ns, other.first_ns) if self.first_ns else other.first_ns
        self.last_ns = max(self.last_ns, other.last_ns)
        for example in other.examples:
            if len(self.examples) < 2 and example not in self.examples:
                self.examples.append(example)
        self.sources.update(other.sources)

    def _add_source(self, record: LogRecord) -> None:
        for key in SOURCE_LABELS:
            if key in record.labels:
                self.sources[f"{key}={record.labels[key]}"] += 1
                break


def covered_seconds(
    records: Sequence[LogRecord], start_ns: int, end_ns: int, capped: bool
) -> float:
    """Seconds a fetch covered: the whole range, or from the oldest line if the fetch was capped."""
    if capped and records:
        start_ns = max(start_ns, min(r.ts_ns for r in records))
    return max((end_ns - start_ns) / 1e9, 1e-9)


def cluster(
    window: Sequence[LogRecord],
    baseline: Sequence[LogRecord] | None,
    window_seconds: float,
    baseline_seconds: float,
    parsed: ParsedLines | None = None,
) -> list[TemplateFacts]:
    """Templates of the window lines, marked against ``baseline`` (unmarked if it is ``None``).

    Ordered NEW and SPIKE first, then by count, then by id for stability. ``parsed`` is the
    investigation's memo of per-line work (the same templates with or without it).
    """
    miner = TemplateMiner(parsed=parsed)
    facts: dict[int, TemplateFacts] = {}
    for record in sorted(window, key=lambda r: r.ts_ns):
        tid = miner.add(record.line)
        facts.setdefault(tid, TemplateFacts(id=tid)).add(record)
    baseline_ids = [miner.add(record.line) for record in baseline or ()]
    # Templates can merge as lines arrive (a word turns out to vary): count under the final id.
    merged: dict[int, TemplateFacts] = {}
    for item in facts.values():
        final = miner.resolve(item.id)
        if final in merged:
            merged[final].absorb(item)
        else:
            item.id = final
            merged[final] = item
    facts = merged
    for tid in baseline_ids:
        final = miner.resolve(tid)
        if final in facts:
            facts[final].baseline_count += 1
    texts = {t.id: t.template for t in miner.templates()}
    for item in facts.values():
        item.template = shorten(texts.get(item.id, ""))
        if baseline is not None:
            item.mark = mark(item.count, window_seconds, item.baseline_count, baseline_seconds)
    rank = {"NEW": 0, "SPIKE": 0, "KNOWN": 1, None: 1}
    return sorted(facts.values(), key=lambda f: (rank[f.mark], -f.count, f.id))
