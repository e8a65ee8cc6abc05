"""Webhook intake benchmark: throughput and latency of authenticated posts over loopback.

``measure_intake(n)`` starts a real server (uvicorn on a free loopback port, the real store in a
temporary directory, workers off so only intake is measured) and posts ``n`` Alertmanager
webhooks from a few keep-alive clients. Every post carries a new alert, so each one commits an
alert and an investigation row — the slow path. Goals: ≥ 500 alerts/s, p99 < 50 ms.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2

from agent.config.server import ServerSettings
from agent.config.settings import Settings
from agent.replay.http import LoopbackServers
from agent.report.model import AlertRef, Report

from .app import create_app
from .build import build_server
from .workers import Job

_TOKEN = "bench-token"


def _payload(index: int) -> bytes:
    labels = {"alertname": f"Bench{index % 50}", "namespace": "bench", "pod_hash": str(index)}
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": "benchmark alert"},
        "startsAt": "2024-05-01T12:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph?g0.expr=up",
    }
    message = {
        "version": "4",
        # One group per alert: the benchmark measures the write path of new investigations.
        "groupKey": f'{{}}:{{pod_hash="{index}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "bench",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
        "alerts": [alert],
    }
    return json.dumps(message).encode()


def _never_runs(job: Job) -> Report:  # pragma: no cover - workers are off in the benchmark
    now = job.alert.starts_at
    ref = AlertRef(fingerprint=job.alert.fingerprint, name=job.alert.name)
    return Report(investigation_id=job.id, alert=ref, status="failed", brain="none",
                  started_at=now, finished_at=now)  # fmt: skip


def measure_intake(n: int = 2000, clients: int = 4) -> dict[str, Any]:
    """Post ``n`` webhooks with ``clients`` concurrent connections; return the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        settings = Settings(
            state_dir=Path(tmp),
            server=ServerSettings(
                alertmanager_tokens=[_TOKEN],
                grafana_secret="bench-grafana",
                pagerduty_secrets=["bench-pagerduty"],
                queue_bound=n + 1,
                queue_bound_per_sender=n + 1,
            ),
        )
        server = build_server(settings, _never_runs)
        bodies = [_payload(i) for i in range(n)]
        latencies: list[float] = []
        failures: list[int] = []
        lock = threading.Lock()
        try:
            with LoopbackServers({"agent": create_app(server, start_workers=False)}) as servers:
                url = servers.urls["agent"] + "/webhooks/alertmanager"

                def post(offset: int) -> None:
                    headers = {
                        "Authorization": f"Bearer {_TOKEN}",
                        "Content-Type": "application/json",
                    }
                    mine: list[float] = []
                    with httpx2.Client(timeout=10) as client:
                        for i in range(offset, n, clients):
                            started = time.perf_counter()
                            status = client.post(
                                url, content=bodies[i], headers=headers
                            ).status_code
                            mine.append(time.perf_counter() - started)
                            if status != 200:
                                with lock:
                                    failures.append(status)
                    with lock:
                        latencies.extend(mine)

                threads = [threading.Thread(target=post, args=(k,)) for k in range(clients)]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.perf_counter() - started
            investigations = sum(server.store.counts().values())
        finally:
            server.store.close()
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    return {
        "alerts": n,
        "clients": clients,
        "seconds": round(elapsed, 3),
        "alerts_per_second": round(n / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "failures": len(failures),
        "investigations": investigations,
        "goal_met": n / elapsed >= 500 and p99 * 1000 < 50 and not failures,
    }


if __name__ == "__main__":
    print(json.dumps(measure_intake(), indent=2))
