"""Fixtures over the hand-built recorded traces of ``tempo_traces``."""

from __future__ import annotations

from typing import Any

import pytest
from tempo_traces import build_traces_data

from agent.replay.tempo.model import TraceStore, index_traces


@pytest.fixture(scope="session")
def traces_data() -> list[dict[str, Any]]:
    return build_traces_data()


@pytest.fixture(scope="session")
def store(traces_data: list[dict[str, Any]]) -> TraceStore:
    return index_traces(traces_data)
