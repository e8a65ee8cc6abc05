"""The offline investigator on every bundled incident: right root cause, within budget, stable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from incidents import INCIDENTS, bundle_params

from agent.alerts.lookup import AlertmanagerSource, find_alert
from agent.brains.offline import OfflineBrain
from agent.bundle.truth import load_truth
from agent.investigation.loop import investigate, new_state
from agent.investigation.setup import Environment, prepare
from agent.investigation.state import InvestigationState
from agent.k8s_names import workload_of
from agent.replay.environment import ReplayEnvironment
from agent.report.model import Report
from policies.load import default_policy_path, load_policy
from tools.clients import Backends


def _normalise(name: str) -> str:
    return workload_of(name.strip().lower()).replace(" ", "-")


def _run(env: ReplayEnvironment) -> tuple[Report, InvestigationState]:
    endpoints = env.endpoints
    assert endpoints is not None, "the replay fixture starts the environment"
    backends = Backends.from_urls(**endpoints.backend_urls())
    try:
        assert backends.alertmanager is not None
        alert = find_alert(
            env.bundle.incident.alert_fingerprint,
            [AlertmanagerSource(backends.alertmanager, endpoints.alertmanager)],
        )
        environment = Environment(
            backends, endpoints.now, env.bundle.catalog, load_policy(default_policy_path())
        )
        brain = OfflineBrain(env.bundle.catalog)
        state = new_state(alert, brain, endpoints.now)
        deps = prepare(alert, environment, brain, investigation_id=state.id)
        return investigate(alert, deps, state), state
    finally:
        backends.close()


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
