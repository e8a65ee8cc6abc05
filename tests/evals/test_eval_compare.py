from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from incidents import INCIDENTS

from agent.cli import eval as eval_cli
from agent.errors import ConfigError
from evals.compare import compare
from evals.results import CaseResult, EvalRun, load_run, make_run, write_run


def case(
    bundle: str, *, ac1: bool, ac3: bool = True, recall: float = 1.0, **extra: Any
) -> CaseResult:
    return CaseResult(
        bundle=bundle,
        path=f"/b/{bundle}",
        truth_category="deployment",
        status="complete",
        ac1=ac1,
        ac3=ac3,
        category_match=True,
        key_evidence_recall=recall,
        **extra,
    )


def test_summary_counts_failures_as_misses() -> None:
    run = make_run(
        [case("b", ac1=True), case("a", ac1=False, ac3=False, error="BundleError: x")], 3.0
    )
    assert [c.bundle for c in run.cases] == ["a", "b"]
    assert run.summary.cases == 2 and run.summary.failed == 1
    assert run.summary.ac1 == 0.5 and run.summary.ac3 == 0.5
    assert run.summary.per_category["deployment"].cases == 2


def test_regressions_and_improvements_case_by_case() -> None:
    baseline = make_run([case("a", ac1=True), case("b", ac1=False, recall=0.5)], 1.0)
    current = make_run([case("a", ac1=False, ac3=False, recall=0.5), case("b", ac1=True)], 1.0)
    comparison = compare(baseline, current)
    assert [str(c) for c in comparison.regressions] == [
        "a: AC@1 hit → miss",
        "a: AC@3 hit → miss",
        "a: key-evidence recall 1.00 → 0.50",
    ]
    assert [str(c) for c in comparison.improvements] == [
        "b: AC@1 miss → hit",
        "b: key-evidence recall 0.50 → 1.00",
    ]
    assert not comparison.ac1_dropped  # one lost, one gained


def test_ac1_drop_and_case_sets() -> None:
    baseline = make_run([case("a", ac1=True), case("gone", ac1=True)], 1.0)
    current = make_run([case("a", ac1=False), case("new", ac1=True)], 1.0)
    comparison = compare(baseline, current)
    assert comparison.ac1_dropped
    assert comparison.new_cases == ["new"] and comparison.missing_cases == ["gone"]


def test_run_round_trips_through_json(tmp_path: Path) -> None:
    run = make_run([case("a", ac1=True, rank=1, verified_share=0.5)], 2.0)
    write_run(run, tmp_path / "r.json")
    assert load_run(tmp_path / "r.json") == run
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        load_run(tmp_path / "bad.json")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    eval_cli.register(parser.add_subparsers())
    return parser.parse_args(["eval", *argv])


def broken_copy(tmp_path: Path) -> Path:
    """A copy of a bundled incident whose alert.json is not JSON."""
    bundle = tmp_path / "broken" / "checkout-5xx-0412"
    shutil.copytree(INCIDENTS / "checkout-5xx-0412", bundle)
    (bundle / "alert.json").write_text("{not json", encoding="utf-8")
    return bundle


def test_broken_bundle_is_a_failed_case_and_a_lost_hit_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = broken_copy(tmp_path)
    # A fabricated earlier result in which this bundle was solved.
    baseline = EvalRun.model_validate(
        {"summary": {"cases": 1, "ac1": 1.0}, "cases": [case(bundle.name, ac1=True).model_dump()]}
    )
    write_run(baseline, tmp_path / "baseline.json")
    out, md = tmp_path / "out.json", tmp_path / "out.md"
    args = parse(
        [
            str(bundle.parent),
            "--json",
            str(out),
            "--markdown",
            str(md),
            "--baseline",
            str(tmp_path / "baseline.json"),
        ]
    )
    assert eval_cli.run(args) == 1
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["summary"]["failed"] == 1 and result["summary"]["ac1"] == 0.0
    assert "BundleError" in result["cases"][0]["error"]
    assert "alert.json" in result["cases"][0]["error"]
    text = capsys.readouterr().out
    assert "regression: checkout-5xx-0412: run complete → failed" in text
    assert "regression: checkout-5xx-0412: AC@1 hit → miss" in text
    assert "## Eval results" in md.read_text(encoding="utf-8")


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such bundle"):
        eval_cli.run(parse([str(tmp_path / "nope")]))
    with pytest.raises(ConfigError, match="no bundles"):
        eval_cli.run(parse([str(tmp_path)]))
    with pytest.raises(ConfigError, match="--jobs"):
        eval_cli.run(parse([str(tmp_path), "--jobs", "0"]))
