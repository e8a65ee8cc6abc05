"""``python -m evals.simulator --out fixtures/incidents [--only ID]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from evals.simulator.bundle import generate
from evals.simulator.scenarios import SCENARIOS


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the bundles; exit 2 on an unknown scenario id."""
    parser = argparse.ArgumentParser(prog="python -m evals.simulator", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("fixtures/incidents"))
    parser.add_argument("--only", action="append", metavar="ID", help="scenario id (repeatable)")
    parser.add_argument("--log-volume", type=float, default=1.0)
    args = parser.parse_args(argv)
    ids = args.only or [s.id for s in SCENARIOS]
    known = {s.id for s in SCENARIOS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        print(
            f"KeyError: unknown scenario(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(known))}",
            file=sys.stderr,
        )
        return 2
    for scenario_id in ids:
        path = generate(scenario_id, args.out, log_volume=args.log_volume)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
