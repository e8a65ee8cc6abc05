from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from eval_brains import blaming
from incidents import INCIDENTS

from agent.bundle.truth import load_truth
from agent.replay.environment import ReplayEnvironment
from evals.results import CaseResult
from evals.runner import EvalConfig, find_bundles, investigate_replay, run_cases, score_case

BUNDLE = "checkout-5xx-0412"


@pytest.mark.replay
@pytest.mark.xdist_group(BUNDLE)
def test_replayed_investigation_is_scored(replay: Callable[[str], ReplayEnvironment]) -> None:
    env = replay(BUNDLE)
    assert env.endpoints is not None
    config = EvalConfig(make_brain=blaming("payments-service", "deployment"))
    report, state = investigate_replay(
        env.endpoints, env.bundle.catalog, env.bundle.incident.alert_fingerprint, config
    )
    truth = load_truth(INCIDENTS / BUNDLE)
    case = score_case(CaseResult(bundle=BUNDLE, path="p"), report, state, truth)
    assert case.status == "complete" and case.error is None
    assert case.rank == 1 and case.ac1 and case.ac3 and case.category_match
    assert case.denials == 1  # the kube-system call is outside the alert's scope
    assert case.tool_calls == 2 and case.steps == 3
    assert case.verified_share == 1.0
    assert case.key_evidence_found == ["revision 12"]  # from the hypothesis statement


def test_failed_bundles_do_not_stop_the_run(tmp_path: Path) -> None:
    no_truth = tmp_path / "no-truth"
    shutil.copytree(INCIDENTS / BUNDLE, no_truth)
    (no_truth / "truth.yaml").unlink()
    bad_alert = tmp_path / "bad-alert"
    shutil.copytree(INCIDENTS / BUNDLE, bad_alert)
    (bad_alert / "alert.json").write_text('{"version": "4", "alerts": []}', encoding="utf-8")
    seen: list[CaseResult] = []
    run = run_cases(
        find_bundles([tmp_path]),
        EvalConfig(make_brain=blaming("payments", "deployment")),
        jobs=2,
        on_case=seen.append,
    )
    assert [c.bundle for c in run.cases] == ["bad-alert", "no-truth"]
    assert all(c.failed for c in run.cases) and len(seen) == 2
    assert "alerts: expected a non-empty list" in (run.cases[0].error or "")
    assert "truth.yaml" in (run.cases[1].error or "")
    assert run.summary.failed == 2 and run.summary.ac1 == 0.0


def test_find_bundles_accepts_bundles_and_directories() -> None:
    one = INCIDENTS / BUNDLE
    found = find_bundles([one, INCIDENTS])
    assert found[0] == one and len(found) == len(set(found)) >= 3
