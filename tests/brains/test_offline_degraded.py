"""A backend that is down becomes a data gap in the report, never a crash or invented evidence."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from incidents import bundle_params
from replay_run import investigate_replay

from agent.brains.offline import OfflineBrain
from agent.replay.environment import ReplayEnvironment

BUNDLE = next(p for p in bundle_params() if p.values[0] == "checkout-5xx-0412")


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("bundle_id", [BUNDLE])
@pytest.mark.parametrize("down", ["loki", "tempo"])
def test_a_dead_backend_is_a_data_gap(
    replay: Callable[[str], ReplayEnvironment], bundle_id: str, down: str
) -> None:
    env = replay(bundle_id)
    report, state = investigate_replay(
        env, OfflineBrain(env.bundle.catalog), urls={down: closed_port()}, timeout=2
    )
    name = {"loki": "Loki", "tempo": "Tempo"}[down]
    assert report.status == "complete"
    assert any(f"{name} unreachable" in gap for gap in report.data_gaps), report.data_gaps
    # A call to it failed, or the ranking (which reads every source) reported what it missed.
    failed = {c.id for t in state.turns for c in t.calls if c.status == "error"}
    ranked = [c for t in state.turns for c in t.calls if c.name == "rank_components"]
    assert failed or any(name in (c.gap or "") for c in ranked)
    # No evidence may cite a failed call.
    cited = {e.tool_call_id for h in report.hypotheses for e in h.evidence}
    assert not cited & failed
    # The other backends still carry the investigation to the root cause.
    assert report.root_cause is not None and report.root_cause.component == "payments"
