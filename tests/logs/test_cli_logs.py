"""``logs templates`` through a small argparse parser, as the main CLI wires it."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from agent.cli.logs import register
from agent.errors import ConfigError


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


LINES = [
    "connected to 10.0.0.1 in 5ms",
    "disk full on /dev/sda1",
    "connected to 10.0.0.2 in 9ms",
]


def test_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    args = _parse(["logs", "templates", str(log), "--json"])
    assert args.handler(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"templates", "assignments"}
    assert out["assignments"] == [1, 2, 1]
    assert out["templates"] == [
        {"id": 1, "template": "connected to <IP> in <DUR>", "count": 2, "labels": []},
        {"id": 2, "template": "disk full on /dev/sda1", "count": 1, "labels": []},
    ]


def test_table_sorted_by_count(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("b happened\r\n" + "\n".join(LINES)))
    args = _parse(["logs", "templates", "-"])
    assert args.handler(args) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split() == ["COUNT", "ID", "TEMPLATE"]
    assert rows[1].split(None, 2) == ["2", "2", "connected to <IP> in <DUR>"]
    assert [r.split()[0] for r in rows[2:]] == ["1", "1"]


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.log"
    args = _parse(["logs", "templates", str(missing)])
    with pytest.raises(ConfigError, match=r"nope\.log"):
        args.handler(args)
