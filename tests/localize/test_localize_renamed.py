"""The ranking does not depend on what things are called (a metamorphic test on real data).

The Nezha bundle with traces is copied with every service, the namespace and the latency
metrics renamed to names of another system and another naming convention. Nothing in the
localization may key on a name, so every component keeps its score, and the delayed service
still leads under its new name.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from agent.alerts.fingerprint import fingerprint
from agent.replay.environment import ReplayEnvironment
from evals.bench_rank import tool_context
from tools.localize import RankInput, rank_components

BUNDLE = Path(__file__).resolve().parents[2] / "fixtures" / "nezha" / "ob-013-traces"
RENAMED = {
    "recommendationservice": "suggest",
    "productcatalogservice": "inventory",
    "checkoutservice": "orders",
    "currencyservice": "fx-rates",
    "shippingservice": "dispatch",
    "paymentservice": "billing",
    "emailservice": "notifier",
    "cartservice": "basket",
    "redis-cart": "basket-store",
    "adservice": "promo",
    "frontend": "edge",
    "online-boutique": "shop-prod",
    "http_server_requests_seconds": "rpc_server_duration_seconds",
    "http_client_requests_seconds": "rpc_client_duration_seconds",
}

pytestmark = [pytest.mark.replay, pytest.mark.prometheus, pytest.mark.xdist_group("nezha")]


def _rename(text: str) -> str:
    for old in sorted(RENAMED, key=len, reverse=True):
        text = text.replace(old, RENAMED[old])
    return text


def _copy_renamed(target: Path) -> None:
    """The bundle with ``RENAMED`` applied everywhere, the alert's fingerprint recomputed."""
    alert = json.loads((BUNDLE / "alert.json").read_text())["alerts"][0]
    labels = json.loads(_rename(json.dumps(alert["labels"])))
    new_id = fingerprint(labels)

    def rename(text: str) -> str:
        return _rename(text).replace(alert["fingerprint"], new_id)

    target.mkdir()
    for path in BUNDLE.iterdir():
        if path.suffix == ".gz":
            text = gzip.decompress(path.read_bytes()).decode()
            (target / path.name).write_bytes(gzip.compress(rename(text).encode()))
        else:
            (target / path.name).write_text(rename(path.read_text()))


def _scores(bundle: Path) -> tuple[dict[str, float], str]:
    env = ReplayEnvironment(bundle)
    env.start()
    try:
        with tool_context(env) as ctx:
            result = rank_components(RankInput(), ctx)
    finally:
        env.close()
    ranking = result.data["ranking"]
    assert ranking, result.summary
    return {str(e["component"]): float(e["score"]) for e in ranking}, result.summary


def test_renaming_services_and_metrics_changes_no_score(tmp_path: Path) -> None:
    renamed = tmp_path / "renamed"
    _copy_renamed(renamed)
    original, _ = _scores(BUNDLE)
    assert "shippingservice" in original
    expected = {RENAMED.get(name, name): score for name, score in original.items()}
    got, summary = _scores(renamed)
    assert got == pytest.approx(expected)
    assert max(got, key=lambda name: got[name]) == "dispatch"
    # The renamed evidence is what was read: no old name is left anywhere in it.
    assert "rpc_server_duration_seconds" in summary
    assert not [old for old in RENAMED if old in summary], summary
