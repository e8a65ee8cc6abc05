"""``agent policy check|explain`` through its own ``register`` (the lead wires it into main)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.cli.policy import register
from agent.errors import ConfigError, PolicyConfigError
from policies.load import default_policy_path


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="agent")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_check_prints_ok_and_allowed_tools(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["policy", "check", str(default_policy_path())]) == 0
    out = capsys.readouterr().out
    assert ": ok" in out and "query_logs" in out and "pod_status" in out


def test_check_bad_file_raises_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text(
        "version: 1\nmax_calls_total: -1\nkubernetes: {allowed_resources: [pods]}\ntools: {}\n"
    )
    with pytest.raises(PolicyConfigError, match=r"p\.yaml:2: max_calls_total"):
        run(["policy", "check", str(bad)])


def test_explain_allow(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["policy", "explain", "pod_status", '{"namespace": "db"}', "--namespace", "db"])
    assert code == 0
    assert capsys.readouterr().out.strip() == "allow tools.pod_status"


def test_explain_deny_prints_rule_and_reason(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["policy", "explain", "query_logs", '{"query": "{app=\\"x\\"}"}', "--namespace", "db"]
    assert run(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("deny logql.unscoped_selector: ")


def test_explain_uses_now_for_start_only_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    call = '{"query": "x{namespace=\\"db\\"}", "start": "2024-04-01T00:00:00Z"}'
    run(
        [
            "policy",
            "explain",
            "query_metrics",
            call,
            "--namespace",
            "db",
            "--now",
            "2024-05-01T00:00:00Z",
        ]
    )
    assert capsys.readouterr().out.startswith("deny range.too_long")


def test_explain_rejects_non_object_json() -> None:
    with pytest.raises(ConfigError, match="JSON object"):
        run(["policy", "explain", "pod_status", "[1]"])


def _drifted(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    policy = yaml.safe_load(default_policy_path().read_text(encoding="utf-8"))
    change(policy["tools"])
    path = tmp_path / "drifted.yaml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return path


def test_check_refuses_a_policy_allowing_a_tool_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _drifted(tmp_path, lambda tools: tools.update(kubectl_exec={"max_calls": 1}))
    assert run(["policy", "check", str(path)]) == 1
    captured = capsys.readouterr()
    assert "'kubectl_exec', but no such tool is registered" in captured.err
    assert ": ok" not in captured.out


def test_check_refuses_a_policy_omitting_a_registered_tool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _drifted(tmp_path, lambda tools: tools.pop("service_graph"))
    assert run(["policy", "check", str(path)]) == 1
    assert "tool 'service_graph' is registered but has no policy rule" in capsys.readouterr().err
