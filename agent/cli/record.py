"""``agent record <alert-id> --out DIR``: capture a bundle from the live backends."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from agent.bundle.model import Catalog
from agent.config.load import load_settings
from agent.errors import ConfigError
from agent.record import RecordOptions, record_bundle
from agent.record.recorder import TRUTH_HELP
from policies.load import default_policy_path, load_policy

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    """Parse ``90s``, ``15m``, ``1h`` or ``2d``.

    Raises:
        ConfigError: the text is not such a duration.
    """
    match = _DURATION.match(text.strip())
    if match is None:
        raise ConfigError(f"invalid duration {text!r}: use e.g. 90s, 15m, 1h")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def register(subparsers: Any) -> None:
    """Add the ``record`` command."""
    parser = subparsers.add_parser("record", help="record a bundle around a live alert")
    parser.add_argument("alert_id", help="the Alertmanager fingerprint of the alert")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--before", default="1h", help="telemetry before the alert (default 1h)")
    parser.add_argument("--after", default="15m", help="telemetry after it starts (default 15m)")
    parser.add_argument("--config", help="configuration file (YAML)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Record the bundle and say how to add its truth."""
    settings = load_settings(args.config)
    policy = load_policy(settings.policy_file or default_policy_path())
    options = RecordOptions(
        before=duration(args.before),
        after=duration(args.after),
        catalog=_catalog(settings.catalog_file),
    )
    summary = record_bundle(args.alert_id, args.out, settings.backends, policy, options)
    print(f"recorded {summary.out} (namespaces: {', '.join(summary.namespaces) or 'none'})")
    for name, count in summary.counts.items():
        print(f"  {name}: {count}")
    for name, reason in summary.skipped.items():
        print(f"  {name}: skipped ({reason})")
    print(TRUTH_HELP)
    return 0


def _catalog(path: Path | None) -> Catalog:
    if path is None:
        return Catalog()
    try:
        return Catalog.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"cannot read catalogue {path}: {exc}") from exc
