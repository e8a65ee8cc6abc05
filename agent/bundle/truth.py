"""Load a bundle's ground truth. Only the eval scorer and validation read this file."""

from __future__ import annotations

from pathlib import Path

from agent.errors import BundleError, Problem

from .files import read_yaml_model
from .load import TRUTH
from .model import Truth


def read_truth(bundle_dir: Path, problems: list[Problem]) -> Truth | None:
    """Read ``truth.yaml`` if present, appending problems; ``None`` when absent or invalid."""
    path = bundle_dir / TRUTH
    if not path.is_file():
        return None
    truth = read_yaml_model(path, Truth, problems)
    if truth is not None and _looks_like_pod(truth.root_cause.component):
        problems.append(
            Problem(str(path), 0, "root_cause.component must be a workload, not a pod name")
        )
    return truth


def load_truth(bundle_dir: Path | str) -> Truth:
    """Load ``truth.yaml``.

    Raises:
        BundleError: it is missing or invalid.
    """
    path = Path(bundle_dir)
    problems: list[Problem] = []
    truth = read_truth(path, problems)
    if truth is None and not problems:
        problems.append(Problem(str(path / TRUTH), 0, "missing"))
    if problems or truth is None:
        raise BundleError(problems)
    return truth


def _looks_like_pod(name: str) -> bool:
    # Deployment pods end in -<rs hash 5-10>-<5 char suffix>; StatefulSet pods in -<ordinal>
    # are ambiguous with workload names, so only the Deployment form is rejected.
    parts = name.rsplit("-", 2)
    return (
        len(parts) == 3
        and 5 <= len(parts[1]) <= 10
        and len(parts[2]) == 5
        and parts[1].isalnum()
        and parts[2].isalnum()
        and any(c.isdigit() for c in parts[1] + parts[2])
    )
