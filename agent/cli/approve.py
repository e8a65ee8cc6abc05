"""``agent approve <investigation-id> <remediation-id>``: the human gate for a remediation.

Exit codes: 0 applied (or the dry run passed), 1 refused or aborted, 2 usage or configuration
error (unknown ids, a manual step, a bad or shared kubeconfig).
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.config.load import load_settings
from agent.config.settings import Settings
from agent.errors import ConfigError, RemediationAborted
from agent.remediation import (
    ApprovalRequest,
    AuditLog,
    Executor,
    Gate,
    JsonFileStore,
    check_separate_credentials,
)

DEFAULT_STATE_DIR = Path("~/.local/state/incident-agent")


def register(subparsers: Any) -> None:
    """Add the ``approve`` command."""
    parser = subparsers.add_parser(
        "approve", help="carry out one proposed remediation after typed confirmation"
    )
    parser.add_argument("investigation_id")
    parser.add_argument("remediation_id")
    parser.add_argument(
        "--executor-kubeconfig",
        type=Path,
        required=True,
        help="kubeconfig of the executor (write credentials, never the investigator's)",
    )
    parser.add_argument("--context", help="context in the executor kubeconfig")
    parser.add_argument(
        "--dry-run", action="store_true", help="send with dryRun=All: validated, not persisted"
    )
    parser.add_argument(
        "--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="where reports are stored"
    )
    parser.add_argument("--approver", help="who approves (default: the OS account name)")
    parser.add_argument("--config", help="configuration file (YAML)")
    parser.set_defaults(handler=run)


def _account_name() -> str:
    # The OS account, not $USER: only agent.config reads the environment, and the account
    # cannot be changed by exporting a variable.
    return pwd.getpwuid(os.getuid()).pw_name


def _now() -> datetime:
    return datetime.now(UTC)


def run(
    args: argparse.Namespace,
    *,
    ask: Callable[[str], str] = input,
    settings: Settings | None = None,
    clock: Callable[[], datetime] = _now,
) -> int:
    """Run the gate for one remediation and return the exit code."""
    try:
        settings = settings or load_settings(args.config)
        check_separate_credentials(
            args.executor_kubeconfig,
            settings.backends.kubeconfig,
            executor_context=args.context,
            investigator_context=settings.backends.kube_context,
        )
        store = JsonFileStore(args.state_dir.expanduser())
        request = ApprovalRequest(
            investigation_id=args.investigation_id,
            remediation_id=args.remediation_id,
            approver=args.approver or _account_name(),
            dry_run=args.dry_run,
        )
        with Executor.from_kubeconfig(args.executor_kubeconfig, args.context) as executor:
            gate = Gate(
                store=store,
                audit=AuditLog(store.audit_path),
                executor=executor,
                ask=ask,
                say=print,
                clock=clock,
                proposal_ttl=settings.remediation.proposal_ttl,
            )
            outcome = gate.approve(request)
    except ConfigError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    except RemediationAborted as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    verdict = "dry run passed (nothing persisted)" if outcome.decision == "dry_run" else "applied"
    print(f"{outcome.action.method} {outcome.action.path}: {verdict}")
    return 0
