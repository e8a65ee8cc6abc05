"""``agent serve``: the webhook server, a thin adapter around ``agent.server``.

Refuses to start (exit 2) when a webhook source has no credential, unless
``--allow-unauthenticated``, which warns. The brain is the default one (Claude with an API key,
else offline); the command line cannot replace it with code: tests call ``serve`` from Python.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.config.load import load_settings
from agent.errors import ConfigError
from agent.investigation.budget import Budget
from policies.load import default_policy_path, load_policy

if TYPE_CHECKING:
    from agent.server.runner import BrainFactory


def register(subparsers: Any) -> None:
    """Add the ``serve`` command."""
    parser = subparsers.add_parser("serve", help="receive alert webhooks and investigate them")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--config", help="configuration file (YAML)")
    parser.add_argument("--policy", type=Path, help="policy file (default: policies/default.yaml)")
    parser.add_argument("--max-steps", type=int, default=Budget().max_steps)
    parser.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="accept webhooks from sources without a configured credential (not for production)",
    )
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted with the default brain; 0 on a clean shutdown."""
    return serve(args)


def serve(args: argparse.Namespace, brain_factory: BrainFactory | None = None) -> int:
    """Serve until interrupted; ``brain_factory`` replaces the default brain (tests only)."""
    import uvicorn

    from agent.server.app import create_app
    from agent.server.build import build_server
    from agent.server.runner import LiveRunner, default_brain

    if args.max_steps < 1:
        raise ConfigError("--max-steps must be at least 1")
    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together")
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            raise ConfigError(f"{path} does not exist")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings(args.config)
    policy = load_policy(args.policy or settings.policy_file or default_policy_path())
    runner = LiveRunner(
        settings,
        policy,
        budget=Budget(max_steps=args.max_steps),
        brain_factory=brain_factory or default_brain,
        audit_dir=settings.state_dir.expanduser() / "audit",
    )
    server = build_server(settings, runner, allow_unauthenticated=args.allow_unauthenticated)
    # Over TLS the console's session cookie is marked Secure (it follows the request's scheme).
    config = uvicorn.Config(
        create_app(server),
        host=args.host,
        port=args.port,
        log_level="warning",
        lifespan="on",
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
    )
    scheme = "https" if args.tls_cert else "http"
    print(f"agent serve: listening on {scheme}://{args.host}:{args.port} (console at /)",
          file=sys.stderr, flush=True)  # fmt: skip
    uvicorn.Server(config).run()
    server.store.close()
    return 0


def main(argv: Sequence[str] | None = None, brain_factory: BrainFactory | None = None) -> int:
    """Run ``agent serve`` alone (``python -m agent.cli.serve``), with the CLI's exit codes."""
    parser = argparse.ArgumentParser(prog="agent")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
        return serve(args, brain_factory)
    except ConfigError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
