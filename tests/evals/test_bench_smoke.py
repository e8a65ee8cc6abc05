from __future__ import annotations

import json
from pathlib import Path

import pytest
from incidents import INCIDENTS

from evals import bench


@pytest.mark.replay
@pytest.mark.slow
def test_quick_bench_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    code = bench.main(["--quick", "--out", str(out), str(INCIDENTS / "checkout-5xx-0412")])
    assert code in (0, 1)  # a missed goal is a finding, not a crash
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["errors"] == []
    assert set(report["goals"]) == set(bench.GOALS)
    for key in (
        "start_cold_seconds_max",
        "investigation_seconds_p50",
        "raw_to_model_ratio",
        "mining_lines_per_second",
        "redaction_lines_per_second",
        "eval_jobs2_wall_seconds",
        "peak_rss_mb",
        "tool_wait_ms",
        "tool_exec_ms",
        "claude_8turn_usd",
        "claude_24turn_usd",
        "claude_cached_share_from_turn3",
        "console_page_ms_p50",
    ):
        assert report["results"][key] is not None, key
    assert list(report["bundles"]) == ["checkout-5xx-0412"]
    # The scripted Claude runs went through the SDK: one request per turn, each with usage.
    claude = report["claude"]
    assert claude["claude_8turn"]["turns"] == 8 and claude["claude_24turn"]["turns"] == 24
    assert claude["claude_8turn"]["cached_share_per_turn"][0] == 0.0  # nothing cached yet
