"""``agent logs templates FILE [--json]``: mine log templates from a file or stdin."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from agent.errors import ConfigError
from agent.logs.miner import MiningResult, mine


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``logs`` command group with its ``templates`` action."""
    logs = subparsers.add_parser("logs", help="work with log lines")
    actions = logs.add_subparsers(dest="logs_command", metavar="ACTION", required=True)
    templates = actions.add_parser("templates", help="group log lines into templates")
    templates.add_argument("file", help="log file, one line per log line; '-' for stdin")
    templates.add_argument(
        "--json", action="store_true", help="print templates and per-line assignments as JSON"
    )
    templates.set_defaults(handler=run)


@contextmanager
def _open_lines(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdin
        return
    try:
        # Logs are not always valid UTF-8; a replacement character beats refusing the file.
        handle = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
    except FileNotFoundError as exc:
        raise ConfigError(f"log file not found: {path}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read log file {path}: {exc.strerror}") from exc
    with handle:
        yield handle


def _print_table(result: MiningResult) -> None:
    rows = sorted(result.templates, key=lambda t: (-t.count, t.id))
    print(f"{'COUNT':>8}  {'ID':>5}  TEMPLATE")
    for t in rows:
        print(f"{t.count:>8}  {t.id:>5}  {t.template}")


def run(args: argparse.Namespace) -> int:
    """Mine the templates of ``args.file`` and print them as a table or JSON."""
    with _open_lines(args.file) as handle:
        result = mine(line.rstrip("\r\n") for line in handle)
    if args.json:
        payload = {
            "templates": [
                {"id": t.id, "template": t.template, "count": t.count, "labels": list(t.labels)}
                for t in result.templates
            ],
            "assignments": result.assignments,
        }
        print(json.dumps(payload))
    else:
        _print_table(result)
    return 0
