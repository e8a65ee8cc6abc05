"""Realistic sample log lines and a throughput measure for the miner and the redactor.

Run ``python -m agent.logs.bench`` to print lines per second. Tests use ``sample_lines`` for
realistic input; nothing here is timed inside the test suite.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence

_SERVICES = ("checkout", "payments", "cart", "frontend", "inventory")
_PATHS = ("/api/orders", "/api/cart/items", "/healthz", "/api/users/{n}", "/metrics")


def _line(rng: random.Random) -> str:
    svc = rng.choice(_SERVICES)
    ts = f"2024-05-0{rng.randint(1, 9)}T1{rng.randint(0, 9)}:0{rng.randint(0, 9)}:12.{rng.randint(100, 999)}Z"
    ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    kind = rng.randrange(6)
    if kind == 0:
        path = rng.choice(_PATHS).format(n=rng.randint(1, 99999))
        return (
            f'{ts} level=info msg="request served" method=GET path={path} status=200 '
            f"duration={rng.randint(1, 900)}ms request_id={rng.getrandbits(64):016x} ip={ip}"
        )
    if kind == 1:
        return json.dumps(
            {
                "ts": ts,
                "level": rng.choice(("error", "warn")),
                "msg": "upstream request failed",
                "error": f"dial tcp {ip}:5432: connect: connection refused",
                "trace_id": f"{rng.getrandbits(128):032x}",
                "service": svc,
            }
        )
    if kind == 2:
        return (
            f"{ts} WARN [{svc}-7d9f8b6c5d-{rng.getrandbits(20):05x}] retrying payment "
            f"{rng.randint(1000, 9999)} attempt {rng.randint(1, 5)}/5 after {rng.random():.2f}s"
        )
    if kind == 3:
        return (
            f"I0501 1{rng.randint(0, 9)}:04:05.{rng.randint(100000, 999999)} 1 reflector.go:{rng.randint(100, 400)}] "
            f"Watch close - *v1.Pod total {rng.randint(1, 500)} items received resourceVersion={rng.randint(10**6, 10**9)}"
        )
    if kind == 4:
        return (
            f"{ts} ERROR {svc} order {rng.randint(1, 10**6)} failed for customer "
            f"user{rng.randint(1, 99)}@example.com: card declined"
        )
    return f"{ts} INFO {svc} cache hit ratio {rng.random():.3f} keys={rng.randint(100, 10000)} evictions=0"


def sample_lines(n: int, seed: int = 0) -> list[str]:
    """Return ``n`` realistic mixed log lines (logfmt, JSON, klog, plain), deterministically."""
    rng = random.Random(seed)
    return [_line(rng) for _ in range(n)]


def lines_per_second(
    process: Callable[[str], object],
    lines: Sequence[str],
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Return how many lines per second of ``clock`` ``process`` handles over ``lines``.

    ``time.process_time`` counts only this process's CPU time: the one-core figure, which other
    work on a shared machine does not lower the way it lowers wall-clock time.
    """
    start = clock()
    for line in lines:
        process(line)
    return len(lines) / max(clock() - start, 1e-9)


def main() -> None:
    """Print the throughput of the redactor and the miner on sample lines."""
    from agent.logs.miner import TemplateMiner
    from agent.safety.redact import Redactor

    lines = sample_lines(50_000)
    print(f"redact: {lines_per_second(Redactor(b'bench').redact, lines):,.0f} lines/s")
    print(f"mine:   {lines_per_second(TemplateMiner().add, lines):,.0f} lines/s")
    cpu = lines_per_second(TemplateMiner().add, lines, time.process_time)
    print(f"mine:   {cpu:,.0f} lines per CPU-second")


if __name__ == "__main__":
    main()
