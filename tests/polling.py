"""Waiting for a condition in tests: poll until it holds, fail naming what never happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(
    predicate: Callable[[], Any], timeout: float = 10.0, explain: Callable[[], str] = str
) -> Any:
    """The first truthy value of ``predicate()``; ``AssertionError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout}s: {explain()}")
