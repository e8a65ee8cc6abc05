"""Load a bundle's ground truth. Only the eval scorer and validation read this file."""

from __future__ import annotations

from pathlib import Path

from agent.errors import BundleError, Problem
from agent.k8s_names import looks_like_pod_name

from .files import read_yaml_model
from .load import TRUTH
from .model import Truth


def read_truth(bundle_dir: Path, problems: list[Problem]) -> Truth | None:
    """Read ``truth.yaml`` if present, appending problems; ``None`` when absent or invalid."""
    path = bundle_dir / TRUTH
    if not path.is_file():
        return None
    truth = read_yaml_model(path, Truth, problems)
    if truth is not None and looks_like_pod_name(truth.root_cause.component):
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
