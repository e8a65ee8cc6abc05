"""``evals.bench_rank``: the ranking alone, timed and scored against a bundle's truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.bench_rank import main, measure, summary

NEZHA = Path(__file__).resolve().parents[2] / "fixtures" / "nezha"


@pytest.mark.replay
@pytest.mark.prometheus
@pytest.mark.xdist_group("nezha")
def test_the_tool_ranks_a_real_incident_and_is_timed_warm(tmp_path: Path) -> None:
    case = measure(NEZHA / "ob-003-metrics-only", repeats=1)
    assert case["rank"] == 1 and case["top"] == "adservice"
    assert len(case["seconds"]) == 1 and case["seconds"][0] > 0
    out = tmp_path / "rank.json"
    assert main([str(NEZHA / "ob-003-metrics-only"), "--repeats", "1", "--json", str(out)]) == 0
    assert '"ac1": 1.0' in out.read_text()


def test_the_summary_counts_unlisted_truths_as_misses() -> None:
    cases = [
        {"seconds": [0.5, 0.7], "rank": 1},
        {"seconds": [1.0], "rank": 3},
        {"seconds": [2.0], "rank": None},
        {"seconds": [0.2], "rank": 4},
    ]
    figures = summary(cases)
    assert figures["ac1"] == 0.25 and figures["ac3"] == 0.5
    assert figures["seconds_p50"] == 0.8 and figures["seconds_max"] == 2.0
