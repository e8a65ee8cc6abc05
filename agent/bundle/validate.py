"""``agent replay validate``: every problem of a bundle, with file and line."""

from __future__ import annotations

from pathlib import Path

from agent.errors import Problem

from .load import metrics_file, read_bundle
from .openmetrics import check_openmetrics
from .truth import read_truth


def validate_bundle(path: Path | str) -> list[Problem]:
    """Return every problem of the bundle at ``path``; empty means it is valid."""
    root = Path(path)
    bundle, problems = read_bundle(root)
    metrics = metrics_file(root, []) if root.is_dir() else None
    if metrics is not None:
        problems.extend(check_openmetrics(metrics))
    read_truth(root, problems)
    if bundle is not None:
        window = bundle.incident.window
        if window.start >= window.end:
            problems.append(
                Problem(str(root / "incident.yaml"), 0, "window.start must precede window.end")
            )
        if bundle.incident.now < window.start:
            problems.append(Problem(str(root / "incident.yaml"), 0, "now precedes the window"))
    return problems
