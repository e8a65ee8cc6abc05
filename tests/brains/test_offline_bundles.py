"""The offline investigator on every bundled incident: right root cause, within budget, stable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from incidents import INCIDENTS, bundle_params
from replay_run import investigate_replay

from agent.brains.offline import OfflineBrain
from agent.bundle.truth import load_truth
from agent.investigation.state import InvestigationState
from agent.k8s_names import workload_of
from agent.replay.environment import ReplayEnvironment
from agent.report.model import Report


def _normalise(name: str) -> str:
    return workload_of(name.strip().lower()).replace(" ", "-")


def _run(env: ReplayEnvironment) -> tuple[Report, InvestigationState]:
    return investigate_replay(env, OfflineBrain(env.bundle.catalog))


@pytest.mark.parametrize("bundle_id", bundle_params())
def test_offline_finds_the_root_cause(
    bundle_id: str, replay: Callable[[str], ReplayEnvironment]
) -> None:
    env = replay(bundle_id)
    truth = load_truth(INCIDENTS / bundle_id)
    report, state = _run(env)

    assert report.status == "complete"
    assert report.root_cause is not None
    accepted = {_normalise(n) for n in [truth.root_cause.component, *truth.aliases]}
    assert _normalise(report.root_cause.component) in accepted
    assert report.root_cause.category == truth.root_cause.category

    calls = [c for turn in state.turns for c in turn.calls]
    assert not [c.id for c in calls if c.status == "denied"], "policy denials in the transcript"
    evidence = [e for h in state.hypotheses for e in h.evidence]
    assert evidence and all(e.verified for e in evidence)
    assert state.usage.steps <= 30 and state.usage.tool_calls <= 60
    assert report.status_page is not None
    assert truth.root_cause.component not in report.status_page.body

    again, again_state = _run(env)
    assert again.root_cause == report.root_cause
    assert [(h.component, h.category, h.status) for h in again_state.hypotheses] == [
        (h.component, h.category, h.status) for h in state.hypotheses
    ]
