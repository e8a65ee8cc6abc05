"""``agent serve`` has no option that imports code: the brain is injected only from Python."""

from __future__ import annotations

import pytest

from agent.cli.main import main


def test_brain_factory_option_is_gone(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--allow-unauthenticated", "--brain-factory", "os:system"])
    assert code == 2
    assert "unrecognized arguments: --brain-factory" in capsys.readouterr().err
