"""``agent serve`` killed with SIGKILL mid-investigation resumes it after a restart.

The server runs as a subprocess against a replay environment's endpoints (as its "live"
backends) with a slow scripted brain; completed turns must not be asked for again.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
import yaml
from polling import wait_for
from replay_run import backends_section

from agent.replay.environment import ReplayEnvironment
from agent.replay.http import free_port

BUNDLE = "checkout-5xx-0412"
TOKEN = "restart-test-token"

pytestmark = [pytest.mark.replay, pytest.mark.slow, pytest.mark.xdist_group(BUNDLE)]


@contextmanager
def _serve(config: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ)
    env.pop("ANTHROPIC_API_KEY", None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "evals.paced_brain", "restart", "--port", str(port),
             "--config", str(config)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        wait_for(lambda: _healthy(port), 120, lambda: log.read_text())
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _healthy(port: int) -> bool:
    try:
        return httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx2.HTTPError:
        return False


def _row(db: Path) -> tuple[str, int] | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT status, step FROM investigations").fetchone()
    return (str(row[0]), int(row[1])) if row else None


def _asked(state_dir: Path) -> list[int]:
    """The turns the brain was asked for, in order (one investigation)."""
    lines = (state_dir / "brain-turns.log").read_text().splitlines()
    return [int(line.split()[1]) for line in lines]


def test_sigkill_mid_investigation_resumes_after_restart(
    replay: Callable[[str], ReplayEnvironment], tmp_path: Path
) -> None:
    env = replay(BUNDLE)
    endpoints = env.endpoints
    assert endpoints is not None
    db = tmp_path / "server.db"
    config = tmp_path / "agent.yaml"
    config.write_text(yaml.safe_dump({
        "state_dir": str(tmp_path),
        "backends": backends_section(endpoints),
        "server": {"alertmanager_tokens": [TOKEN], "grafana_secret": "g", "pagerduty_secrets": ["p"],
                   "db_path": str(db), "viewer_tokens": {"viewer-t": "viewer"},
                   "lease_seconds": 5},
    }))  # fmt: skip
    viewer = {"Authorization": "Bearer viewer-t"}
    port = free_port()
    log = tmp_path / "serve.log"
    with _serve(config, port, log) as process:
        answer = httpx2.post(f"http://127.0.0.1:{port}/webhooks/alertmanager",
                             content=json.dumps(env.bundle.alert_payload).encode(),
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)  # fmt: skip
        assert answer.status_code == 200, answer.text
        wait_for(lambda: (r := _row(db)) and r[0] == "running" and r[1] >= 2, 120, log.read_text)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    status, completed = _row(db)  # type: ignore[misc]
    assert status == "running" and 2 <= completed < 6
    asked_before = _asked(tmp_path)

    port = free_port()  # a fresh one: another test may have taken the old one meanwhile
    with _serve(config, port, log):
        wait_for(
            lambda: (r := _row(db)) and r[0] in ("done", "failed", "awaiting_approval"),
            60,
            log.read_text,
        )
        base = f"http://127.0.0.1:{port}/investigations"
        inv = httpx2.get(base, headers=viewer, timeout=5).json()["investigations"][0]
        report = httpx2.get(f"{base}/{inv['id']}", headers=viewer, timeout=5).json()
    assert inv["status"] == "done" and report["report"]["status"] == "complete", log.read_text()
    asked = Counter(_asked(tmp_path))
    # Turns completed before the kill were never asked for again; the one in flight may be.
    assert all(asked[i] == 1 for i in range(completed)), asked
    assert asked_before[:completed] == list(range(completed))
    assert sorted(asked) == list(range(7))
    with sqlite3.connect(db) as conn:
        indices = [r[0] for r in conn.execute("SELECT idx FROM turns ORDER BY idx")]
        state = json.loads(conn.execute("SELECT state_json FROM investigations").fetchone()[0])
    assert indices == list(range(7))
    assert state["usage"]["steps"] == 7
    assert [c["name"] for c in state["turns"][0]["calls"]] == ["alert_context"]
