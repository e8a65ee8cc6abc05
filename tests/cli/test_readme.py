"""The README's commands exist and the cheap ones run as written."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from agent.cli.main import build_parser, main

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_commands() -> list[list[str]]:
    commands = []
    for line in README.read_text().splitlines():
        if line.startswith("$A "):
            for part in line.split(";"):
                words = shlex.split(part.split("#", 1)[0].strip().removeprefix("$A").strip())
                if words:
                    commands.append(words)
    return commands


def test_first_run_is_within_thirty_lines() -> None:
    head = README.read_text().splitlines()[:30]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)


@pytest.mark.parametrize("words", readme_commands(), ids=lambda w: " ".join(w[:2]))
def test_every_readme_command_is_a_real_subcommand(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    parser = build_parser()
    path = [
        w for w in words if not w.startswith(("<", "-", "[")) and "/" not in w and "{" not in w
    ][:2]
    with pytest.raises(SystemExit) as done:
        parser.parse_args([*path, "--help"])
    assert done.value.code == 0


def test_readme_policy_and_validate_commands_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", "policies/default.yaml"]) == 0
    assert main(["policy", "explain", "pod_status", '{"namespace":"x"}']) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("deny scope.namespace")
