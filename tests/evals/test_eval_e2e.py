from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from incidents import INCIDENTS, bundle_dirs

from agent.cli import eval as eval_cli


@pytest.mark.replay
@pytest.mark.slow
def test_eval_over_every_bundled_incident(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    eval_cli.register(parser.add_subparsers())
    out = tmp_path / "out.json"
    args = parser.parse_args(["eval", str(INCIDENTS), "--brain", "offline", "--json", str(out)])
    assert eval_cli.run(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    summary, cases = result["summary"], result["cases"]
    assert summary["cases"] == len(cases) == len(bundle_dirs())
    for key in (
        "ac1",
        "ac3",
        "category_accuracy",
        "key_evidence_recall",
        "verified_share",
        "denials",
        "failed",
        "wall_seconds",
        "per_category",
    ):
        assert key in summary
    assert summary["failed"] == 0, [c["error"] for c in cases if c["error"]]
    assert {c["bundle"] for c in cases} == {p.name for p in bundle_dirs()}
    assert all(c["brain"] == "offline" and c["steps"] > 0 for c in cases)
    assert summary["ac1"] == sum(c["ac1"] for c in cases) / len(cases)
    print(f"AC@1 {summary['ac1']:.0%}  AC@3 {summary['ac3']:.0%}  over {len(cases)} bundles")
