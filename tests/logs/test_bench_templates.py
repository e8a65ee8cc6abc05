"""The bench's log-template section: scores a labelled folder, or says why it was skipped."""

from __future__ import annotations

import csv
from pathlib import Path

from evals.bench_templates import GA_GOAL, measure_templates, render_templates


def test_skipped_with_a_message_when_there_is_no_data(tmp_path: Path) -> None:
    section = measure_templates(tmp_path / "absent")
    assert "absent" in section["skipped"] and "--loghub" in section["skipped"]
    assert render_templates(section)[0].startswith("log templates: skipped")
    empty = measure_templates(tmp_path)
    assert "no *_structured.csv" in empty["skipped"]


def test_scores_each_system_and_the_average(tmp_path: Path) -> None:
    for name, rows in {
        "One": [("a 1", "E1"), ("a 2", "E1"), ("b", "E2")],
        "Two": [("x", "E1"), ("y", "E1")],  # one event written two ways: split, GA 0
    }.items():
        (tmp_path / name).mkdir()
        with (tmp_path / name / f"{name}_2k.log_structured.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["LineId", "Content", "EventId"])
            writer.writerows((i, c, e) for i, (c, e) in enumerate(rows, 1))
    section = measure_templates(tmp_path)
    assert section["skipped"] is None
    assert [(s["system"], s["grouping_accuracy"]) for s in section["systems"]] == [
        ("One", 1.0),
        ("Two", 0.0),
    ]
    assert section[GA_GOAL] == 0.5
    table = render_templates(section)
    assert table[2].split()[:3] == ["One", "3", "1.000"]
    assert table[-2].split() == ["average", "0.500"]
