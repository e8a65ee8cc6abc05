"""The bundled incidents, for parametrising tests (one xdist group per bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
INCIDENTS = REPO / "fixtures" / "incidents"


def bundle_dirs() -> list[Path]:
    """Every bundled incident, sorted by id."""
    return sorted(p for p in INCIDENTS.iterdir() if (p / "incident.yaml").is_file())


def bundle_params() -> list[Any]:
    """One pytest param per bundled incident, grouped per bundle for ``--dist loadgroup``."""
    return [
        pytest.param(p.name, marks=[pytest.mark.xdist_group(p.name), pytest.mark.replay], id=p.name)
        for p in bundle_dirs()
    ]
