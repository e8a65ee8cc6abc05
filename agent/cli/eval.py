"""``agent eval PATH...``: replay bundles, score the reports, compare with a baseline.

Exit codes: 0 done (failed cases are reported, not fatal), 1 AC@1 dropped against
``--baseline``, 2 usage or configuration error (unknown path, no bundles found).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from agent.config.load import load_settings
from agent.errors import ConfigError
from evals.compare import compare
from evals.render import render_markdown, render_text
from evals.results import CaseResult, load_run, write_run
from evals.runner import EvalConfig, brain_factory, find_bundles, run_cases
from policies.load import default_policy_path, load_policy


def register(subparsers: Any) -> None:
    """Add the ``eval`` command."""
    parser = subparsers.add_parser("eval", help="replay bundles and score the investigations")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="bundle or directory")
    parser.add_argument("--brain", choices=["claude", "offline"], default="offline")
    parser.add_argument("--jobs", type=int, help="bundles run in parallel (default: cores)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every figure as JSON")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown report")
    parser.add_argument("--baseline", type=Path, metavar="FILE", help="an earlier --json result")
    parser.add_argument("--config", help="configuration file (YAML)")
    parser.add_argument("--policy", type=Path, help="policy file (default: policies/default.yaml)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the table, write the requested files; 1 when AC@1 regressed."""
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    bundles = find_bundles(args.paths)
    # Read the baseline before spending minutes on the run: a bad path is a usage error.
    baseline = load_run(args.baseline) if args.baseline is not None else None
    settings = load_settings(args.config)
    config = EvalConfig(
        make_brain=brain_factory(args.brain, settings.model),
        policy=load_policy(args.policy or settings.policy_file or default_policy_path()),
        replay=settings.replay,
    )
    result = run_cases(bundles, config, jobs=args.jobs, on_case=_progress)
    comparison = compare(baseline, result) if baseline is not None else None
    sys.stdout.write(render_text(result, comparison))
    if args.json is not None:
        write_run(result, args.json)
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(render_markdown(result, comparison), encoding="utf-8")
    return 1 if comparison is not None and comparison.ac1_dropped else 0


def _progress(case: CaseResult) -> None:
    outcome = f"FAILED ({case.error})" if case.failed else f"rank {case.rank or '-'}"
    print(f"{case.bundle}: {outcome} in {case.wall_seconds:.1f}s", file=sys.stderr)
