"""``make bench``: performance figures of the replay, the investigation and the tools.

``python -m evals.bench --out .bench/bench.json [--quick]`` prints a table with each figure's
goal and pass/fail and writes every figure as JSON. ``--quick`` measures one bundle and small
samples and leaves out the replica load test (``evals.replicas``; the suite runs its bounded
version) — the smoke test's mode. Benchmarks are measurements, never assertions in the suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.config.settings import ModelSettings, ReplaySettings
from agent.investigation.state import InvestigationState
from agent.logs.bench import lines_per_second, sample_lines
from agent.logs.miner import TemplateMiner
from agent.replay.environment import ReplayEnvironment
from agent.safety.redact import Redactor
from agent.server.bench import measure_intake
from agent.server.console.bench import measure_page

from .bench_templates import GA_GOAL, measure_templates, render_templates
from .claude_bench import GOALS as CLAUDE_GOALS
from .claude_bench import claude_figures, render_claude
from .replicas import render as render_replicas
from .replicas import run_replicas
from .runner import EvalConfig, brain_factory, find_bundles, investigate_replay, run_cases

INCIDENTS = Path(__file__).resolve().parent.parent / "fixtures" / "incidents"
# name -> (goal, True when higher is better)
GOALS: dict[str, tuple[float, bool]] = {
    "start_warm_seconds_max": (3.0, False),
    "investigation_seconds_p50": (1.0, False),
    "tool_result_tokens_max": (15_000, False),
    "mining_lines_per_second": (20_000, True),
    GA_GOAL: (0.90, True),
    "raw_to_model_ratio": (10.0, True),
    "webhook_alerts_per_second": (500.0, True),
    "webhook_p99_ms": (50.0, False),
    **CLAUDE_GOALS,
    "console_page_ms_p50": (100.0, False),
    # 1 when the replica load test passed every check on both backends (see evals.replicas).
    "replicas_kill_test_ok": (1, True),
}


def _rss_mb() -> float:
    """Peak RSS of this process plus its largest finished child (Prometheus), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + child) / 1024, 1)


def measure_start(bundle: Path, cache: Path) -> dict[str, float]:
    """Cold (empty backfill cache) then warm start time of one bundle's replay."""
    figures: dict[str, float] = {}
    for mode in ("cold", "warm"):
        began = time.perf_counter()
        with ReplayEnvironment(bundle, ReplaySettings(cache_dir=cache)):
            figures[f"{mode}_seconds"] = round(time.perf_counter() - began, 3)
    return figures


def tool_figures(state: InvestigationState, wait_seconds: float) -> dict[str, float]:
    """Raw backend bytes against what the model read, and the time spent on tools.

    ``wait_ms`` is how long the loop waited for its tool runner; ``exec_ms`` adds up each
    call's own execution time, so it exceeds ``wait_ms`` when calls ran in parallel.
    """
    calls = [c for t in state.turns for c in t.calls if c.decision is not None]
    raw = sum(c.raw_bytes for c in calls)
    shown = sum(len(c.output.encode()) for c in calls)
    return {
        "raw_bytes": raw,
        "model_bytes": shown,
        "raw_to_model_ratio": round(raw / shown, 1) if shown else 0.0,
        "wait_ms": round(wait_seconds * 1000, 1),
        "exec_ms": round(sum(c.duration_ms for c in calls), 1),
    }


def measure_investigation(bundle: Path, cache: Path, repeats: int) -> dict[str, Any]:
    """Offline investigations of one bundle against a warm replay: wall time, tokens, bytes."""
    config = EvalConfig(make_brain=brain_factory("offline", ModelSettings()))
    replay = ReplayEnvironment(bundle, ReplaySettings(cache_dir=cache))
    with replay as endpoints:
        catalog, fingerprint = replay.bundle.catalog, replay.bundle.incident.alert_fingerprint
        times: list[float] = []
        for _ in range(repeats):
            began = time.perf_counter()
            _, state = investigate_replay(endpoints, catalog, fingerprint, config)
            times.append(time.perf_counter() - began)
        figures: dict[str, Any] = {
            "investigation_seconds": [round(t, 3) for t in times],
            "tool_result_tokens": state.usage.tool_result_tokens,
        }
        figures.update(tool_figures(state, sum(t.tool_seconds for t in state.turns)))
    return figures


def _safely(what: str, errors: list[str], func: Any, *args: Any) -> Any:
    """Run one measurement; a failure is recorded, not fatal (the other figures still count)."""
    try:
        return func(*args)
    except Exception as exc:  # a benchmark reports what it could measure
        errors.append(f"{what}: {type(exc).__name__}: {exc}")
        return None


def run_bench(
    bundles: Sequence[Path], *, quick: bool, loghub: Path | None = None
) -> dict[str, Any]:
    """Every figure, with goals and pass/fail, as one JSON-ready dict."""
    errors: list[str] = []
    per_bundle: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        for bundle in bundles:
            cache = Path(tmp) / bundle.name
            figures: dict[str, Any] = (
                _safely(f"start {bundle.name}", errors, measure_start, bundle, cache) or {}
            )
            investigation = _safely(
                f"investigate {bundle.name}",
                errors,
                measure_investigation,
                bundle,
                cache,
                1 if quick else 3,
            )
            figures.update(investigation or {})
            per_bundle[bundle.name] = figures
    lines = sample_lines(5_000 if quick else 50_000)
    throughput = {
        # per CPU-second of this process: one core's rate, whatever else the machine runs
        "mining_lines_per_second": round(
            lines_per_second(TemplateMiner().add, lines, time.process_time)
        ),
        "mining_wall_lines_per_second": round(lines_per_second(TemplateMiner().add, lines)),
        "redaction_lines_per_second": round(lines_per_second(Redactor(b"bench").redact, lines)),
    }
    eval_wall = _safely("eval", errors, _eval_seconds, list(bundles))
    intake = _safely("webhook intake", errors, measure_intake, 500 if quick else 2000) or {}
    with tempfile.TemporaryDirectory(prefix="bench-claude-") as tmp:
        claude = _safely("claude", errors, claude_figures, bundles[0], Path(tmp)) or {}
    console = _safely("console page", errors, measure_page, 30, 5 if quick else 20) or {}
    # --quick leaves the replica load test out: the suite runs its bounded version itself.
    replicas = [] if quick else _replicas(errors)
    results = {
        **_totals(per_bundle),
        **throughput,
        "eval_jobs2_wall_seconds": eval_wall,
        "webhook_alerts_per_second": intake.get("alerts_per_second"),
        "webhook_p99_ms": intake.get("p99_ms"),
        **claude.get("results", {}),
        "console_page_ms_p50": console.get("p50_ms"),
        **{f"replicas_{r['backend']}_alerts_per_second": r["alerts_per_second"] for r in replicas},
        **{f"replicas_{r['backend']}_p99_ms": r["p99_ms"] for r in replicas},
        "replicas_kill_test_ok": (
            int(len(replicas) == 2 and all(r["ok"] for r in replicas)) if not quick else None
        ),
    }
    templates = _safely("log templates", errors, measure_templates, loghub) or {}
    results[GA_GOAL] = templates.get(GA_GOAL)
    results["template_lines_per_cpu_second"] = templates.get("template_lines_per_cpu_second")
    results["peak_rss_mb"] = _rss_mb()
    goals = _verdicts(results)
    if templates.get("skipped"):  # no labelled logs here: not measured, not failed
        goals[GA_GOAL].update({"pass": None, "skipped": templates["skipped"]})
    return {
        "bundles": per_bundle,
        "claude": {k: v for k, v in claude.items() if k != "results"},
        "templates": templates,
        "replicas": replicas,
        "results": results,
        "goals": goals,
        "errors": errors,
    }


def _replicas(errors: list[str]) -> list[dict[str, Any]]:
    """The replica load test on PostgreSQL, then on SQLite (figures side by side)."""
    found = [_safely(f"replicas {b}", errors, run_replicas, b) for b in ("postgres", "sqlite")]
    return [r for r in found if r is not None]


def _eval_seconds(bundles: list[Path]) -> float:
    config = EvalConfig(make_brain=brain_factory("offline", ModelSettings()))
    return run_cases(bundles, config, jobs=2).summary.wall_seconds


def _totals(per_bundle: dict[str, Any]) -> dict[str, Any]:
    figures = per_bundle.values()
    warm = [f["warm_seconds"] for f in figures if "warm_seconds" in f]
    cold = [f["cold_seconds"] for f in figures if "cold_seconds" in f]
    runs = [t for f in figures for t in f.get("investigation_seconds", [])]
    tokens = [f["tool_result_tokens"] for f in figures if "tool_result_tokens" in f]
    raw = sum(f.get("raw_bytes", 0) for f in figures)
    shown = sum(f.get("model_bytes", 0) for f in figures)
    return {
        "start_cold_seconds_max": max(cold, default=None),
        "start_warm_seconds_max": max(warm, default=None),
        "investigation_seconds_p50": round(statistics.median(runs), 3) if runs else None,
        "tool_result_tokens_max": max(tokens, default=None),
        "raw_to_model_ratio": round(raw / shown, 1) if shown else None,
        "tool_wait_ms": round(sum(f.get("wait_ms", 0.0) for f in figures), 1),
        "tool_exec_ms": round(sum(f.get("exec_ms", 0.0) for f in figures), 1),
    }


def _verdicts(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    verdicts = {}
    for name, (goal, higher) in GOALS.items():
        value = results.get(name)
        passed = value is not None and (value >= goal if higher else value <= goal)
        verdicts[name] = {"goal": goal, "value": value, "pass": passed}
    return verdicts


def _per_bundle(bundles: dict[str, Any]) -> list[str]:
    """One line per bundle: start times, investigation p50, tokens and the size ratio."""
    header = (
        f"{'bundle':24} {'cold s':>7} {'warm s':>7} {'inv p50 s':>9} {'tokens':>7} {'raw/model':>9}"
    )
    lines = [header, "-" * len(header)]
    for name, b in sorted(bundles.items()):
        runs = sorted(b.get("investigation_seconds") or [])
        p50 = f"{runs[len(runs) // 2]:.2f}" if runs else "-"
        lines.append(
            f"{name:24} {b.get('cold_seconds', '-'):>7} {b.get('warm_seconds', '-'):>7} {p50:>9} "
            f"{b.get('tool_result_tokens', '-'):>7} {b.get('raw_to_model_ratio', '-'):>9}"
        )
    return [*lines, ""]


def render(report: dict[str, Any]) -> str:
    """The per-bundle table, then each result with its goal and pass/fail; then any errors."""
    rows = []
    for name, value in report["results"].items():
        verdict = report["goals"].get(name)
        goal = (
            "" if verdict is None else ("≥ " if GOALS[name][1] else "≤ ") + f"{verdict['goal']:g}"
        )
        status = (
            "" if verdict is None else {True: "PASS", False: "FAIL", None: "SKIP"}[verdict["pass"]]
        )
        rows.append((name, "-" if value is None else str(value), goal, status))
    width = max(len(r[0]) for r in rows)
    lines = _per_bundle(report.get("bundles", {})) + render_claude(report.get("claude", {}))
    lines += render_templates(report.get("templates", {}))
    if report.get("replicas"):
        lines += [render_replicas(report["replicas"])]
    lines += [f"{n.ljust(width)}  {v:>12}  {g:>10}  {s}".rstrip() for n, v, g, s in rows]
    lines.extend(f"error: {e}" for e in report["errors"])
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every goal passes, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(".bench/bench.json"))
    parser.add_argument("--quick", action="store_true", help="one bundle, small samples")
    parser.add_argument(
        "--loghub", type=Path, help="Loghub-2k system folders (default: ../shared/loghub-dev)"
    )
    parser.add_argument("bundles", nargs="*", type=Path, help="default: fixtures/incidents")
    args = parser.parse_args(argv)
    bundles = find_bundles(args.bundles or [INCIDENTS])
    report = run_bench(bundles[:1] if args.quick else bundles, quick=args.quick, loghub=args.loghub)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(render(report))
    return 0 if all(v["pass"] is not False for v in report["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
