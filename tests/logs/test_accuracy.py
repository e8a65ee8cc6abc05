"""Grouping accuracy the standard way, and scoring a labelled folder in the Loghub layout."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from agent.logs.accuracy import grouping_accuracy, load_labelled, score_dataset


def test_grouping_accuracy_counts_lines_whose_group_is_exactly_their_event() -> None:
    assert grouping_accuracy([1, 1, 2, 3], ["a", "a", "b", "b"]) == 0.5
    assert grouping_accuracy([1, 1, 1], ["a", "a", "b"]) == 0.0  # merged: nobody is right
    assert grouping_accuracy([7, 8, 9], ["x", "y", "z"]) == 1.0
    assert grouping_accuracy([], []) == 1.0
    with pytest.raises(ValueError, match="2 predictions for 1"):
        grouping_accuracy([1, 2], ["a"])


def _write(system: Path, rows: list[tuple[str, str]]) -> None:
    system.mkdir()
    with (system / f"{system.name}_2k.log_structured.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["LineId", "Content", "EventId", "EventTemplate"])
        for i, (content, event) in enumerate(rows, 1):
            writer.writerow([i, content, event, ""])


def test_score_dataset_reads_each_system_in_order(tmp_path: Path) -> None:
    _write(
        tmp_path / "Tiny",
        [("connected to 10.0.0.1", "E1"), ("disk full", "E2"), ("connected to 10.0.0.2", "E1")],
    )
    (tmp_path / "notes").mkdir()  # a folder without labels is not a system
    [score] = score_dataset(tmp_path)
    assert (score.system, score.lines, score.grouping_accuracy) == ("Tiny", 3, 1.0)
    assert (score.templates, score.true_templates) == (2, 2)
    assert load_labelled(tmp_path / "Tiny")[1] == ["E1", "E2", "E1"]


def test_missing_columns_are_named(tmp_path: Path) -> None:
    system = tmp_path / "Bad"
    system.mkdir()
    (system / "Bad_structured.csv").write_text("LineId,Text\n1,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Content, EventId"):
        load_labelled(system)
