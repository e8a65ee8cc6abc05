"""``agent replay serve|validate``: run or check a recorded incident bundle."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from agent.bundle.validate import validate_bundle
from agent.config.load import load_settings
from agent.replay.environment import ReplayEnvironment


def register(subparsers: Any) -> None:
    """Add the ``replay`` command group."""
    replay = subparsers.add_parser("replay", help="serve or validate recorded incident bundles")
    actions = replay.add_subparsers(dest="replay_command", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="serve a bundle through the backends' real APIs")
    serve.add_argument("bundle", type=Path)
    serve.add_argument("--json", action="store_true", help="print the endpoints as one JSON line")
    serve.add_argument("--config", help="configuration file (YAML)")
    serve.set_defaults(handler=run_serve)
    validate = actions.add_parser("validate", help="check bundles against the format")
    validate.add_argument("bundles", type=Path, nargs="+")
    validate.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Print every problem of each bundle; exit 1 when any bundle is invalid."""
    failed = 0
    for path in args.bundles:
        problems = validate_bundle(path)
        if problems:
            failed += 1
            for problem in problems:
                print(problem)
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


def run_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted (SIGINT or SIGTERM), then clean up."""
    settings = load_settings(args.config)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with ReplayEnvironment(args.bundle, settings.replay) as endpoints:
            if args.json:
                print(json.dumps(endpoints.as_json()), flush=True)
            else:
                for name, value in endpoints.as_json().items():
                    print(f"{name:13} {value}")
                print("serving; press Ctrl-C to stop", file=sys.stderr, flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
