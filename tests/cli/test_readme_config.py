"""The README's configuration examples load as written (settings, catalogue, Alertmanager)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from agent.bundle.model import Catalog
from agent.config.load import load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL)


def test_every_config_example_loads(tmp_path: Path) -> None:
    blocks = yaml_blocks()
    loaded = 0
    for index, block in enumerate(blocks):
        data = yaml.safe_load(block)
        if "services" in data:
            assert Catalog.model_validate(data).services
            continue
        if "receivers" in data:  # Alertmanager's side
            hook = data["receivers"][0]["webhook_configs"][0]
            assert hook["url"].endswith("/webhooks/alertmanager")
            continue
        config = tmp_path / f"example-{index}.yaml"
        config.write_text(block)
        settings = load_settings(config, {"PAGERDUTY_API_KEY": "pd-example"})
        loaded += 1
        if "backends" in data:
            prom = settings.backends.connection("prometheus")
            assert prom is not None and prom.url and prom.url.endswith("/prometheus")
            assert prom.headers == {"X-Scope-OrgID": "team-shop"}
        if "notify" in data:
            assert {s.type for s in settings.notify.sinks} == {
                "slack", "pagerduty", "github", "email", "webhook"}  # fmt: skip
    assert loaded >= 3
