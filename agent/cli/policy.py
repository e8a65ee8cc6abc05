"""``agent policy check|explain``: validate a policy file, or show the decision for one call.

``explain`` exits 0 whether the call is allowed or denied: the command's job is to print the
decision, and exit 1 is reserved for "the command failed". Scripts read the first word of the
output (``allow`` or ``deny``). It checks the policy alone, without the tool's input model.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.errors import ConfigError
from policies.check import check
from policies.decision import Allow, CallCounts, ToolCall
from policies.load import check_against_registry, default_policy_path, load_policy
from tools.base import Registry, Scope
from tools.catalog import all_tools


def register(subparsers: Any) -> None:
    """Add the ``policy`` command group."""
    policy = subparsers.add_parser("policy", help="validate or explain the tool allowlist")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    check_cmd = actions.add_parser("check", help="validate a policy file")
    check_cmd.add_argument("file", type=Path)
    check_cmd.set_defaults(handler=run_check)
    explain = actions.add_parser("explain", help="show the decision for one tool call")
    explain.add_argument("tool")
    explain.add_argument("arguments", help="the call's arguments as a JSON object")
    explain.add_argument("--policy", type=Path, help="policy file (default: the shipped one)")
    explain.add_argument(
        "--namespace", action="append", default=[], help="an in-scope namespace (repeatable)"
    )
    explain.add_argument("--now", help="the investigation clock (RFC3339), for start-only ranges")
    explain.set_defaults(handler=run_explain)


def run_check(args: argparse.Namespace) -> int:
    """Check a policy file, and check it against the registered tools.

    Prints ``ok`` and the allowed tools (exit 0), or each mismatch with the tool registry — an
    allowed tool that does not exist, a registered tool the policy omits, a rule naming an
    argument the tool lacks — on stderr (exit 1). An invalid file raises ``PolicyConfigError``.
    """
    policy = load_policy(args.file)
    problems = check_against_registry(policy, Registry(all_tools()))
    if problems:
        for problem in problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(f"{args.file}: {len(problems)} problem(s) against the tool registry", file=sys.stderr)
        return 1
    print(f"{args.file}: ok")
    print(f"allowed tools: {', '.join(policy.allowed_tools())}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    """Print ``allow <rule>`` or ``deny <rule>: <reason>`` for one call."""
    policy = load_policy(args.policy or default_policy_path())
    try:
        arguments = json.loads(args.arguments)
    except ValueError as exc:
        raise ConfigError(f"arguments are not JSON: {exc}") from None
    if not isinstance(arguments, dict):
        raise ConfigError("arguments must be a JSON object")
    try:
        now = datetime.fromisoformat(args.now) if args.now else None
    except ValueError:
        raise ConfigError(f"--now is not an RFC3339 time: {args.now!r}") from None
    scope = Scope(namespaces=frozenset(args.namespace), max_range=policy.scope.max_range)
    decision = check(
        ToolCall("explain", args.tool, arguments), scope, policy, CallCounts(), now=now
    )
    if isinstance(decision, Allow):
        print(f"allow {decision.rule}")
    else:
        print(f"deny {decision.rule}: {decision.reason}")
    return 0
