from __future__ import annotations

from pathlib import Path

import pytest
from incidents import INCIDENTS, bundle_params

from agent.cli.main import main

BUNDLE = INCIDENTS / bundle_params()[0].values[0]


@pytest.fixture(autouse=True)
def _no_live_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ANTHROPIC_API_KEY", "AGENT_ALERTMANAGER_URL", "AGENT_CONFIG", "KUBECONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AGENT_STATE_DIR", str(tmp_path / "state"))


def test_unknown_alert_id_exits_2_naming_where_it_looked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["investigate", "ffffffffffffffff", "--replay", str(BUNDLE)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(
        "ConfigError: unknown alert id ffffffffffffffff: looked in Alertmanager at http://127.0.0.1:"
    )


def test_no_alert_source_configured_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["investigate", "0123456789abcdef"]) == 2
    assert "no Alertmanager configured" in capsys.readouterr().err


def test_claude_without_api_key_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    fingerprint = (BUNDLE / "incident.yaml").read_text().split("alert_fingerprint:")[1].split()[0]
    assert main(["investigate", fingerprint, "--replay", str(BUNDLE), "--brain", "claude"]) == 2
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["investigate"],
        ["investigate", "x", "--max-steps", "0"],
        ["investigate", "x", "--format", "pdf"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2_without_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_missing_bundle_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["investigate", "0123456789abcdef", "--replay", str(tmp_path / "nope")]) == 2
    assert "BundleError" in capsys.readouterr().err


def test_debug_shows_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["--debug", "investigate", "0123456789abcdef", "--replay", str(tmp_path / "nope")])
        == 2
    )
    assert "Traceback" in capsys.readouterr().err
