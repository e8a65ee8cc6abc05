"""The localisation tool on its own: how fast ``rank_components`` is and where it ranks the truth.

For each bundle, the replay is started, ``rank_components`` runs once to warm the replay and
then ``--repeats`` times; its warm wall time and the position of the true component in its
ranking are recorded. The tool-only AC@1/AC@3 separate the ranking from what the offline
investigator adds (causes, pods, logs), so two ranking methods can be compared directly.

    python -m evals.bench_rank BUNDLE_OR_DIR... [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.alerts.lookup import AlertmanagerSource, find_alert
from agent.bundle.truth import load_truth
from agent.logs.parsed import ParsedLines
from agent.replay.environment import ReplayEnvironment
from tools.base import Scope, ToolContext, ToolResult
from tools.clients import Backends
from tools.localize import RankInput, rank_components

from .runner import find_bundles
from .scoring import normalise, truth_names

# Entries listed: enough to find the truth well below the top three.
_LISTED = 20


@contextmanager
def tool_context(env: ReplayEnvironment, *, without: str | None = None) -> Iterator[ToolContext]:
    """A tool context over a started replay, scoped to its alert's namespace.

    ``without`` names a backend (``prometheus``, ``tempo``, ``loki``) to leave unconfigured.
    """
    endpoints = env.endpoints
    assert endpoints is not None
    backends = Backends.from_urls(**endpoints.backend_urls())
    try:
        assert backends.alertmanager is not None
        alert = find_alert(
            env.bundle.incident.alert_fingerprint,
            [AlertmanagerSource(backends.alertmanager, endpoints.alertmanager)],
        )
        yield ToolContext(
            backends=dataclasses.replace(backends, **{without: None}) if without else backends,
            now=endpoints.now,
            alert=alert,
            scope=Scope(frozenset({alert.namespace or ""})),
        )
    finally:
        backends.close()


def _rank(env: ReplayEnvironment, repeats: int) -> tuple[ToolResult, list[float]]:
    with tool_context(env) as ctx:
        result = rank_components(RankInput(limit=_LISTED), ctx)
        times = []
        for _ in range(repeats):
            # A fresh context each time, as each investigation has: warm means a warm replay
            # and warm code, not lines the previous run already parsed.
            fresh = dataclasses.replace(ctx, parsed_lines=ParsedLines())
            began = time.perf_counter()
            result = rank_components(RankInput(limit=_LISTED), fresh)
            times.append(time.perf_counter() - began)
        return result, times


def measure(bundle: Path, repeats: int) -> dict[str, Any]:
    """One bundle's warm tool times and the true component's rank (``None``: not listed)."""
    env = ReplayEnvironment(bundle)
    env.start()
    try:
        result, times = _rank(env, repeats)
    finally:
        env.close()
    names = truth_names(load_truth(bundle))
    ranked = [normalise(str(e["component"])) for e in result.data.get("ranking") or []]
    position = next((i for i, name in enumerate(ranked, start=1) if name in names), None)
    return {
        "bundle": bundle.name,
        "seconds": [round(t, 3) for t in times],
        "rank": position,
        "top": ranked[0] if ranked else None,
    }


def summary(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Tool-only AC@1/AC@3 and the warm times' p50, p90 and maximum over all bundles."""
    times = sorted(statistics.median(c["seconds"]) for c in cases if c["seconds"])
    ranks = [c["rank"] for c in cases]
    return {
        "cases": len(cases),
        "ac1": round(sum(r == 1 for r in ranks) / len(ranks), 3) if ranks else None,
        "ac3": round(sum(r is not None and r <= 3 for r in ranks) / len(ranks), 3)
        if ranks
        else None,
        "seconds_p50": round(statistics.median(times), 3) if times else None,
        "seconds_p90": round(times[int(0.9 * (len(times) - 1))], 3) if times else None,
        "seconds_max": round(times[-1], 3) if times else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every bundle named, print one line each and the summary."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench_rank", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    cases = []
    for bundle in find_bundles(args.paths):
        case = measure(bundle, max(1, args.repeats))
        cases.append(case)
        print(f"{case['bundle']}: rank {case['rank']}, top {case['top']}, {case['seconds']} s")
    figures = summary(cases)
    print(json.dumps(figures))
    if args.json is not None:
        args.json.write_text(json.dumps({"summary": figures, "cases": cases}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
