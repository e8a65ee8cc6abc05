"""Console benchmark: server-side time of an investigation page with many charted evidence items.

``measure_page(items)`` stores one investigation whose report cites ``items`` metric evidence
items, each backed by a recorded range query of three series with their points (the most a
range tool records), then requests its page through the real app in-process: the store read,
the state and report parsing, the charts and the template. Goal: p50 under 100 ms for 30 items;
``cpu_ms_p50`` is the CPU the request cost, which a busy machine does not inflate.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from agent.alerts.model import Alert
from agent.config.server import ServerSettings
from agent.config.settings import Settings
from agent.investigation.state import CallRecord, InvestigationState, Turn
from agent.report.model import AlertRef, Evidence, Hypothesis, Report
from tools.summarise.numbers import clock_dt

from ..app import create_app
from ..build import build_server
from ..store import Limits
from ..workers import Job

_OWNER = "bench"  # the lease holder the page's investigation is finished under
_TOKEN = "bench-viewer"
_NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _record(index: int) -> CallRecord:
    start = _NOW - timedelta(hours=2)
    points = [[int(start.timestamp()) + 120 * i, 0.01 if i < 40 else 0.4] for i in range(60)]
    series = [
        {"labels": {"service": f"svc-{index}-{k}"}, "baseline_mean": 0.01, "window_mean": 0.3,
         "change": {"at": clock_dt(_NOW - timedelta(minutes=40)), "before": 0.01, "after": 0.4},
         "points": points}
        for k in range(3)
    ]  # fmt: skip
    window = {"start": clock_dt(_NOW - timedelta(hours=1)), "end": clock_dt(_NOW)}
    return CallRecord(id=f"c{index}", name="query_metrics", arguments={"query": f"q{index}"},
                      output="…", data={"series": series, "window": window})  # fmt: skip


def _never_runs(job: Job) -> Report:  # pragma: no cover - workers are off in the benchmark
    raise AssertionError("the console benchmark runs no investigation")


def measure_page(items: int = 30, repeats: int = 20) -> dict[str, Any]:
    """Request one investigation page ``repeats`` times; return the timings."""
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        settings = Settings(
            state_dir=Path(tmp),
            server=ServerSettings(
                viewer_tokens={_TOKEN: "bench"},
                alertmanager_tokens=["am"],
                grafana_secret="g",
                pagerduty_secrets=["p"],
            ),
        )
        server = build_server(settings, _never_runs)
        try:
            alert = Alert(fingerprint="bench", labels={"alertname": "Bench", "namespace": "b"},
                          starts_at=_NOW - timedelta(minutes=40))  # fmt: skip
            (admitted,) = server.store.admit([alert], "bench", "bench:", Limits(0, 10, 10))
            inv = admitted.investigation_id
            assert inv is not None
            records = [_record(i) for i in range(items)]
            queue = server.store.queue
            claimed = queue.claim(_OWNER)
            assert claimed is not None and claimed.id == inv
            queue.save_step(InvestigationState(
                id=inv, alert=alert, brain="bench", started_at=_NOW,
                turns=[Turn(index=0, calls=records)]), _OWNER)  # fmt: skip
            evidence = [Evidence(tool_call_id=r.id, tool=r.name, query=f"PromQL q{i}",
                                 quote=f'{{service="svc-{i}-1"}}: level change', verified=True)
                        for i, r in enumerate(records)]  # fmt: skip
            queue.finish(inv, Report(
                investigation_id=inv, alert=AlertRef(fingerprint="bench", name="Bench"),
                status="complete", brain="bench",
                hypotheses=[Hypothesis(id="H1", component="svc", category="code", statement="s",
                                       status="supported", confidence=0.8, evidence=evidence)],
                started_at=_NOW, finished_at=_NOW), _OWNER)  # fmt: skip
            headers = {"Authorization": f"Bearer {_TOKEN}"}
            timings, cpu = [], []
            with TestClient(create_app(server, start_workers=False)) as client:
                for _ in range(repeats + 1):
                    started, used = time.perf_counter(), time.process_time()
                    page = client.get(f"/ui/investigations/{inv}", headers=headers)
                    timings.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - used)
                    if page.status_code != 200 or page.text.count("<svg") != items:
                        raise RuntimeError(f"unexpected page: {page.status_code}")
        finally:
            server.store.close()
    timings = sorted(timings[1:])  # the first request also compiles the templates
    return {
        "evidence_items": items,
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        # CPU of the whole process (every thread): the page's cost without the machine's load.
        "cpu_ms_p50": round(statistics.median(cpu[1:]) * 1000, 2),
        "max_ms": round(timings[-1] * 1000, 2),
        "bytes": len(page.text),
    }
