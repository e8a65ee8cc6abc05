"""The ``agent`` command line: parses arguments and maps errors to exit codes.

Exit codes: 0 a report (or success), 1 the investigation failed, 2 usage or configuration
error. Errors print as ``TypeName: message``; a traceback only with ``--debug``.
Each subcommand lives in its own module with ``register(subparsers)``; handlers take the parsed
arguments and return the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from agent.errors import AgentError, ConfigError

# Subcommand modules, each exposing ``register(subparsers)``.
_COMMANDS = (
    "agent.cli.investigate",
    "agent.cli.replay",
    "agent.cli.logs",
    "agent.cli.approve",
    "agent.cli.policy",
    "agent.cli.eval",
    "agent.cli.record",
    "agent.cli.serve",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand registered."""
    parser = _Parser(prog="agent", description="Read-only incident investigation agent.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _COMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        args = build_parser().parse_args(args_list)
        handler = getattr(args, "handler", None)
        if handler is None:
            build_parser().print_help(sys.stderr)
            return 2
        return int(handler(args))
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        return _report(exc, 2, debug)
    except AgentError as exc:
        return _report(exc, 1, debug)
    except Exception as exc:  # the CLI boundary turns every error into one line
        return _report(exc, 1, debug)


def _report(exc: BaseException, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exception(exc)
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
