from __future__ import annotations

from datetime import timedelta

import pytest

from agent.replay.kubernetes.table import human_duration, wants_table


@pytest.mark.parametrize(
    ("span", "printed"),
    [
        (timedelta(seconds=-5), "<invalid>"),
        (timedelta(seconds=59), "59s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(minutes=5, seconds=30), "5m30s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(minutes=90), "90m"),
        (timedelta(hours=3, minutes=20), "3h20m"),
        (timedelta(hours=30), "30h"),
        (timedelta(days=3, hours=4), "3d4h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=400), "400d"),
        (timedelta(days=365 * 3 + 10), "3y10d"),
        (timedelta(days=365 * 9), "9y"),
    ],
)
def test_human_duration_matches_kubectl(span: timedelta, printed: str) -> None:
    assert human_duration(span) == printed


def test_wants_table() -> None:
    kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    assert wants_table(kubectl)
    assert not wants_table("application/json")
