"""The alert's PromQL, run by the real Prometheus over the recording, agrees with startsAt."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
from incidents import bundle_params

from agent.replay.environment import ReplayEnvironment
from evals.simulator import SCENARIOS
from evals.simulator.timefmt import parse

pytestmark = [pytest.mark.prometheus]


def _holds(url: str, expr: str, t: float) -> bool:
    resp = httpx2.get(f"{url}/api/v1/query", params={"query": expr, "time": str(t)}, timeout=10)
    body = resp.json()
    assert body["status"] == "success", body
    return bool(body["data"]["result"])


@pytest.mark.parametrize("bundle_id", bundle_params())
def test_condition_holds_from_active_at_to_now(
    replay: Callable[[str], ReplayEnvironment], bundle_id: str
) -> None:
    env = replay(bundle_id)
    assert env.endpoints is not None
    url = env.endpoints.prometheus
    scn = next(s for s in SCENARIOS if s.id == bundle_id)
    for alert, rule in zip(env.bundle.alert_payload["alerts"], scn.alerts, strict=True):
        expr = parse_qs(urlparse(alert["generatorURL"]).query)["g0.expr"][0]
        active = parse(alert["startsAt"]) - rule.for_s
        times = range(int(active), int(scn.now) + 1, 30)
        assert all(_holds(url, expr, t) for t in times), f"{rule.name} not holding"
        assert not _holds(url, expr, active - 30), f"{rule.name} already held before activeAt"
