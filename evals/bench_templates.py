"""``make bench`` section: grouping accuracy of the log template miner on labelled logs.

The labelled logs are Loghub-2k system folders (``S/S_2k.log_structured.csv``); they are not
in the repository (licence: research use, cite Loghub), so the section looks for them next to
the checkout (``../shared/loghub-dev``, or ``../../shared/loghub-dev`` from a worktree) or at
``--loghub DIR``, and is skipped with a message when there are none. ``python -m
evals.bench_templates`` prints this section alone. Throughput is lines per
CPU-second of the mining process, so a busy machine does not lower it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from agent.logs.accuracy import score_dataset

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOCATIONS = (
    ROOT.parent / "shared" / "loghub-dev",
    ROOT.parent.parent / "shared" / "loghub-dev",
)
GA_GOAL = "template_grouping_accuracy_avg"


def find_labelled(given: Path | None) -> Path | None:
    """The folder to score: ``given`` if set, else the first default location that exists."""
    if given is not None:
        return given
    return next((p for p in DEFAULT_LOCATIONS if p.is_dir()), None)


def measure_templates(given: Path | None) -> dict[str, Any]:
    """Per-system GA, the average and the throughput; ``skipped`` says why when not measured."""
    root = find_labelled(given)
    if root is None or not root.is_dir():
        where = given or " or ".join(str(p) for p in DEFAULT_LOCATIONS)
        return {"skipped": f"no labelled logs at {where} (pass --loghub DIR)", "systems": []}
    scores = score_dataset(root)
    if not scores:
        return {"skipped": f"no *_structured.csv system folders in {root}", "systems": []}
    lines = sum(s.lines for s in scores)
    cpu_seconds = sum(s.lines / s.lines_per_second for s in scores)
    return {
        "skipped": None,
        "path": str(root),
        "systems": [asdict(s) for s in scores],
        GA_GOAL: round(sum(s.grouping_accuracy for s in scores) / len(scores), 4),
        "template_lines_per_cpu_second": round(lines / cpu_seconds),
    }


def render_templates(section: dict[str, Any]) -> list[str]:
    """One line per system, then the average; or the reason the section was skipped."""
    if section.get("skipped"):
        return [f"log templates: skipped, {section['skipped']}", ""]
    header = f"{'log system':14} {'lines':>6} {'GA':>6} {'templates':>9} {'true':>5} {'lines/s':>8}"
    rows = [header, "-" * len(header)]
    for s in section["systems"]:
        rows.append(
            f"{s['system']:14} {s['lines']:>6} {s['grouping_accuracy']:>6.3f} "
            f"{s['templates']:>9} {s['true_templates']:>5} {s['lines_per_second']:>8,}"
        )
    rows.append(f"{'average':14} {'':>6} {section[GA_GOAL]:>6.3f}")
    return [*rows, ""]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the section alone: ``python -m evals.bench_templates [--loghub DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench_templates", description=__doc__)
    parser.add_argument("--loghub", type=Path, help="Loghub-2k system folders")
    args = parser.parse_args(argv)
    section = measure_templates(args.loghub)
    sys.stdout.write("\n".join(render_templates(section)))
    if not section.get("skipped"):
        sys.stdout.write(f"lines per CPU-second: {section['template_lines_per_cpu_second']:,}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
