"""Replica load test: several ``agent serve`` processes on one store, one SIGKILLed midway.

``python -m evals.replicas [--alerts N] [--groups G] [--backend postgres|sqlite|both]`` starts
``replicas`` real servers on one database (a throwaway durable PostgreSQL cluster, or one SQLite
file), posts ``alerts`` Alertmanager webhooks for ``groups`` alert groups over loopback — each
notification to two different replicas at once, as an HA pair of Alertmanagers does, and every
second round of a group re-fired with a new ``startsAt`` inside the cooldown — and SIGKILLs one
replica midway, once it holds a lease. Posts the dead replica cannot answer are retried on a
live one, as a sender behind a Service would. Then it checks, from the database, that the
groups made exactly ``groups`` investigations, all finished, none duplicated, none lost (every
acknowledged post is counted in the store), and that taken-over investigations resumed from
their last completed step (no completed turn asked of the brain twice).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx2

from agent.config.server import ServerSettings
from agent.config.settings import Settings
from agent.server.store import Store, open_store

from .pgcluster import PostgresCluster
from .replica_procs import TOKEN, Replica

Backend = Literal["postgres", "sqlite"]
_STARTS = ("2024-05-01T12:00:00Z", "2024-05-01T12:01:00Z")
_DRAIN_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class LoadPlan:
    """How much load, on how many replicas."""

    alerts: int = 2000  # webhook posts (two per notification: the HA pair)
    groups: int = 50
    replicas: int = 3
    clients: int = 6
    kill: bool = True
    lease_seconds: float = 5.0
    seed: int = 14


def _body(group: int, round_: int) -> bytes:
    labels = {"alertname": f"Load{group:03d}", "namespace": "bench", "severity": "page"}
    alert = {"status": "firing", "labels": labels, "annotations": {"summary": "load test"},
             "startsAt": _STARTS[round_ % 2], "endsAt": "0001-01-01T00:00:00Z"}  # fmt: skip
    message = {"version": "4", "groupKey": f'{{}}:{{alertname="{labels["alertname"]}"}}',
               "status": "firing", "receiver": "agent", "groupLabels": {}, "commonLabels": labels,
               "commonAnnotations": {}, "externalURL": "http://alertmanager", "alerts": [alert]}  # fmt: skip
    return json.dumps(message).encode()


def _schedule(n: int, plan: LoadPlan) -> tuple[int, int]:
    """The group and round of notification ``n``.

    The first half of the notifications cycles over the first half of the groups; the second
    half starts with the others, so investigations are created after half-way too and the
    replica killed then holds some, however fast the machine works them off.
    """
    half, early = plan.alerts // 4, max(1, plan.groups // 2)
    if n < half:
        return n % early, n // early
    m = n - half
    return (early + m) % plan.groups, m // plan.groups


class _Load:
    """The posting side: client threads, latencies, retries, and the kill at half-way."""

    def __init__(self, plan: LoadPlan, replicas: list[Replica], store: Store) -> None:
        self.plan, self.replicas, self.store = plan, replicas, store
        # Adjacent tasks are the two copies of one notification: different threads post them
        # at the same moment, to two different replicas.
        self.tasks = [
            (*_schedule(n, plan), copy) for n in range(plan.alerts // 2) for copy in (0, 1)
        ]
        self._next = 0
        self._lock = threading.Lock()
        self._random = random.Random(plan.seed)
        self._pairs: dict[int, tuple[int, int]] = {}
        self.latencies: list[float] = []
        self.acked = 0
        self.retried = 0
        self.unanswered = 0
        self.held_at_kill: list[str] = []
        self.killed: Replica | None = None
        self._half = threading.Event()

    def _take(self) -> tuple[int, int, int, int] | None:
        with self._lock:
            if self._next >= len(self.tasks):
                return None
            group, round_, copy = self.tasks[self._next]
            self._next += 1
            if self._next >= len(self.tasks) // 2:
                self._half.set()
            key = self._next - 1 - copy
            if key not in self._pairs:
                live = [r.index for r in self.replicas if r is not self.killed]
                self._pairs[key] = tuple(self._random.sample(live, 2))  # type: ignore[assignment]
            return group, round_, copy, self._pairs[key][copy]

    def client(self) -> None:
        """One sender: keep-alive connections to every replica."""
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        with httpx2.Client(timeout=30) as http:
            while (task := self._take()) is not None:
                group, round_, _, target = task
                body = _body(group, round_)
                while True:
                    replica = self.replicas[target]
                    started = time.perf_counter()
                    try:
                        status = http.post(f"{replica.url}/webhooks/alertmanager", content=body,
                                           headers=headers).status_code  # fmt: skip
                    except httpx2.HTTPError:
                        status = 0
                    if status == 200:
                        with self._lock:
                            self.latencies.append(time.perf_counter() - started)
                            self.acked += 1
                        break
                    with self._lock:  # the replica died under us: a live one gets the retry
                        self.retried += 1
                        self.unanswered += status == 0
                        live = [r.index for r in self.replicas if r.alive and r is not self.killed]
                        target = self._random.choice(live)

    def killer(self) -> None:
        """At half-way, SIGKILL the first replica once it holds at least one lease."""
        self._half.wait()
        victim = self.replicas[0]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.held_at_kill:
            self.held_at_kill = _held_by(self.store, victim.pid)
            if not self.held_at_kill:
                time.sleep(0.02)
        with self._lock:
            self.killed = victim
        victim.kill()


def _held_by(store: Store, pid: int) -> list[str]:
    rows = store.query("SELECT id, lease_owner FROM investigations WHERE status='running'")
    return sorted(str(i) for i, owner in rows if owner and owner.split("/")[1:2] == [str(pid)])


def run_replicas(
    backend: Backend, plan: LoadPlan = LoadPlan(), database_url: str | None = None
) -> dict[str, Any]:
    """Run the load test on ``backend``; the figures and every check, as a JSON-ready dict.

    ``database_url`` reuses an existing empty PostgreSQL database (tests); without it a durable
    throwaway cluster is created and removed.
    """
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="replicas-")))
        server: dict[str, Any] = {"lease_seconds": plan.lease_seconds, "concurrency": 2,
                                  "queue_bound": 100_000, "cooldown_seconds": 3600.0}  # fmt: skip
        if backend == "postgres":
            if database_url is None:
                cluster = stack.enter_context(PostgresCluster(durable=True))
                database_url = cluster.create_database("agent")
            server["database_url"] = database_url
        else:
            server["db_path"] = str(root / "server.db")
        settings = Settings(state_dir=root, server=ServerSettings(**server))
        store = open_store(settings)  # migrates once, before the replicas race to
        stack.callback(store.close)
        replicas = [Replica(i, root, server) for i in range(plan.replicas)]
        for replica in replicas:
            stack.callback(replica.stop)
            replica.start()
        for replica in replicas:
            replica.wait_ready()
        load = _Load(plan, replicas, store)
        threads = [threading.Thread(target=load.client) for _ in range(plan.clients)]
        if plan.kill:
            threads.append(threading.Thread(target=load.killer))
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        posting = time.perf_counter() - started
        drained = _drain(store, plan.groups)
        return _figures(backend, plan, load, store, posting, drained, replicas)


def _drain(store: Store, groups: int) -> float:
    began = time.perf_counter()
    deadline = time.monotonic() + _DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        counts = store.counts()
        if counts["queued"] == 0 and counts["running"] == 0 and sum(counts.values()) >= groups:
            break
        time.sleep(0.1)
    return time.perf_counter() - began


def _figures(
    backend: Backend, plan: LoadPlan, load: _Load, store: Store, posting: float, drained: float,
    replicas: list[Replica],
) -> dict[str, Any]:  # fmt: skip
    rows = store.search(limit=100_000)
    per_alert = Counter(r.alert.name for r in rows)
    stored = int(store.query("SELECT COALESCE(SUM(notifications), 0) FROM alerts")[0][0])
    asked = Counter(t for r in replicas for t in r.brain_turns())
    re_asked = {
        r.id: sum(n - 1 for (i, _), n in asked.items() if i == r.id and n > 1) for r in rows
    }
    resumed_ok = all(re_asked[r.id] <= r.attempts - 1 for r in rows)
    turns_ok = all(
        [t["index"] for t in store.turns(r.id)] == list(range(r.step)) and r.step > 0 for r in rows
    )
    latencies = sorted(load.latencies)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0.0
    taken_over = sorted(r.id for r in rows if r.attempts > 1)
    checks = {
        "exactly_one_per_group": len(rows) == plan.groups and set(per_alert.values()) == {1},
        "all_finished": all(r.status == "done" for r in rows),
        "none_lost": load.acked <= stored <= load.acked + load.unanswered,
        "turns_complete": turns_ok,
        "resumed_from_last_step": resumed_ok,
        "killed_replica_work_taken_over": not plan.kill
        or (bool(load.held_at_kill) and set(load.held_at_kill) <= set(taken_over)),
    }
    return {
        "backend": backend,
        "replicas": plan.replicas,
        "posts": len(load.tasks),
        "acknowledged": load.acked,
        "retried_after_kill": load.retried,
        "groups": plan.groups,
        "investigations": len(rows),
        "by_status": dict(Counter(r.status for r in rows)),
        "killed_holding": len(load.held_at_kill),
        "taken_over": len(taken_over),
        "post_seconds": round(posting, 3),
        "alerts_per_second": round(load.acked / posting, 1) if posting else 0.0,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(p99 * 1000, 2),
        "drain_seconds": round(drained, 2),
        "checks": checks,
        "ok": all(checks.values()),
    }


def render(results: Sequence[dict[str, Any]]) -> str:
    """One line per backend: rate, latency, the kill test's outcome."""
    lines = [f"{'backend':9} {'posts':>6} {'alerts/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
             f"{'invest.':>7} {'taken over':>10}  kill test"]  # fmt: skip
    for r in results:
        failed = [k for k, v in r["checks"].items() if not v]
        verdict = "PASS" if r["ok"] else "FAIL: " + ", ".join(failed)
        lines.append(f"{r['backend']:9} {r['acknowledged']:>6} {r['alerts_per_second']:>9} "
                     f"{r['p50_ms']:>7} {r['p99_ms']:>7} {r['investigations']:>7} "
                     f"{r['taken_over']:>10}  {verdict}")  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test; 0 when every check passed on every backend."""
    parser = argparse.ArgumentParser(prog="python -m evals.replicas", description=__doc__)
    parser.add_argument("--alerts", type=int, default=LoadPlan.alerts)
    parser.add_argument("--groups", type=int, default=LoadPlan.groups)
    parser.add_argument("--replicas", type=int, default=LoadPlan.replicas)
    parser.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    plan = LoadPlan(alerts=args.alerts, groups=args.groups, replicas=args.replicas)
    backends: list[Backend] = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    results = [run_replicas(b, plan) for b in backends]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(render(results))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
