"""Hundreds of thousands of log lines: the model only ever receives a budgeted summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.alerts.model import alert_from_alertmanager
from agent.audit import AuditLog
from agent.dispatch.pipeline import Dispatcher
from agent.replay.environment import ReplayEnvironment
from agent.safety.redact import Redactor
from evals.simulator import generate
from policies.decision import ToolCall
from policies.load import default_policy_path, load_policy
from tools.base import OutputLimits, Registry, Scope, ToolContext
from tools.catalog import all_tools
from tools.clients import Backends

pytestmark = [pytest.mark.slow, pytest.mark.replay, pytest.mark.xdist_group("log-flood")]


@pytest.fixture(scope="module")
def flood(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayEnvironment]:
    bundle = generate("checkout-5xx-0412", tmp_path_factory.mktemp("flood"), log_volume=70)
    env = ReplayEnvironment(bundle)
    env.start()
    yield env
    env.close()


def test_a_huge_log_window_reaches_the_model_as_a_small_summary(
    flood: ReplayEnvironment, tmp_path: Path
) -> None:
    lines = len(flood.bundle.logs)
    raw_size = sum(len(r.line) for r in flood.bundle.logs)
    assert lines >= 250_000 and raw_size >= 40_000_000, (lines, raw_size)
    ep = flood.endpoints
    assert ep is not None
    backends = Backends.from_urls(loki=ep.loki, prometheus=ep.prometheus)
    payload = flood.bundle.alert_payload
    alert = alert_from_alertmanager(payload["alerts"][0])
    limits = OutputLimits()
    ctx = ToolContext(
        backends=backends, now=ep.now, alert=alert, scope=Scope(frozenset({"shop"})), limits=limits
    )
    registry = Registry(all_tools())
    dispatcher = Dispatcher(
        registry, load_policy(default_policy_path()), ctx, Redactor(b"k" * 32), AuditLog(None)
    )
    outcome = dispatcher.dispatch(
        ToolCall(
            id="c1",
            name="query_logs",
            arguments={"query": '{namespace="shop"}', "lookback": "6h", "raw_lines": 50},
        )
    )
    backends.close()
    assert outcome.result.status in {"ok", "truncated"}
    assert len(outcome.text) <= limits.max_chars
    assert outcome.result.raw_bytes >= 100 * len(outcome.text)
