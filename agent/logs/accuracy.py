"""Grouping accuracy of the miner on labelled logs (Loghub-2k layout), for ``make bench``.

Grouping accuracy (GA, Zhu et al., ICSE 2019) is the standard score of log parsers: a line is
grouped correctly when the set of lines in its predicted group is exactly the set of lines
that share its ground-truth event; GA is the share of lines grouped correctly. A system folder
``S/`` holds ``S_2k.log_structured.csv`` with the ``Content`` and ``EventId`` columns; the
miner reads ``Content`` in order, as a stream.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.logs.miner import TemplateMiner


@dataclass(frozen=True, slots=True)
class SystemScore:
    """How the miner grouped one labelled system's lines."""

    system: str
    lines: int
    grouping_accuracy: float
    templates: int
    true_templates: int
    lines_per_second: float


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Share of lines whose predicted group is exactly the set of lines of their true event."""
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predictions for {len(truth)} labelled lines")
    if not truth:
        return 1.0
    groups: dict[Hashable, list[int]] = defaultdict(list)
    events: dict[Hashable, list[int]] = defaultdict(list)
    for i, (p, t) in enumerate(zip(predicted, truth, strict=True)):
        groups[p].append(i)
        events[t].append(i)
    correct = sum(
        len(members) for members in groups.values() if events[truth[members[0]]] == members
    )
    return correct / len(truth)


def load_labelled(system_dir: Path) -> tuple[list[str], list[str]]:
    """The ``Content`` and ``EventId`` columns of a system's ``*_structured.csv``, in order."""
    files = sorted(system_dir.glob("*_structured.csv"))
    if not files:
        raise FileNotFoundError(f"no *_structured.csv in {system_dir}")
    with files[0].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"Content", "EventId"} - set(rows[0] if rows else ())
    if missing:
        raise ValueError(f"{files[0]}: missing column(s) {', '.join(sorted(missing))}")
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def score_system(system_dir: Path) -> SystemScore:
    """Mine one system's lines with the default miner and score the grouping."""
    contents, events = load_labelled(system_dir)
    miner = TemplateMiner()
    began = time.process_time()
    ids = [miner.add(line) for line in contents]
    seconds = max(time.process_time() - began, 1e-9)
    final = [miner.resolve(i) for i in ids]
    return SystemScore(
        system=system_dir.name,
        lines=len(contents),
        grouping_accuracy=round(grouping_accuracy(final, events), 4),
        templates=len(miner.templates()),
        true_templates=len(set(events)),
        lines_per_second=round(len(contents) / seconds),
    )


def score_dataset(root: Path) -> list[SystemScore]:
    """Score every system folder under ``root`` that holds a structured file, by name."""
    systems = sorted(d for d in root.iterdir() if d.is_dir() and any(d.glob("*_structured.csv")))
    return [score_system(d) for d in systems]
