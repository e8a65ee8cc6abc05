"""Real ``agent serve`` replicas as subprocesses on loopback, sharing one store.

Each replica has its own port, state directory and log; all share the database given in
``server``. The brain is the paced scripted one (``python -m evals.paced_brain replicas``), so the
replicas need no backends and no credentials, and investigations take long enough to be in
flight when a replica is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import yaml

from agent.errors import ReplayError
from agent.replay.http import free_port

TOKEN = "replica-load-token"
_READY_TIMEOUT_S = 120.0  # generous: three interpreters start at once on a busy machine


class Replica:
    """One ``agent serve`` process."""

    def __init__(self, index: int, root: Path, server: dict[str, Any]) -> None:
        self.index = index
        self.state_dir = root / f"replica-{index}"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.state_dir / "serve.log"
        self.config = self.state_dir / "agent.yaml"
        settings = {
            "state_dir": str(self.state_dir),
            "server": {"alertmanager_tokens": [TOKEN], "grafana_secret": "unused-grafana",
                       "pagerduty_secrets": ["unused-pagerduty"], **server},
        }  # fmt: skip
        self.config.write_text(yaml.safe_dump(settings), encoding="utf-8")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The process id (the middle part of this replica's lease owner name)."""
        assert self._process is not None
        return self._process.pid

    @property
    def alive(self) -> bool:
        """Whether the process is running."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> Replica:
        """Start the process (returns at once; ``wait_ready`` waits for it to answer)."""
        env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "evals.paced_brain", "replicas", "--port", str(self.port),
                 "--config", str(self.config)],
                stdout=out, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        return self

    def wait_ready(self) -> None:
        """Wait for ``/healthz``.

        Raises:
            ReplayError: the process exited or did not answer in time (with its log).
        """
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.alive:
                break
            try:
                if httpx2.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.1)
        state = (
            f"exited with {self._process.returncode}"
            if self._process and not self.alive
            else (f"not answering after {_READY_TIMEOUT_S:g}s")
        )
        raise ReplayError(f"replica {self.index} did not start ({state}): {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lease released, connections cut."""
        if self._process is not None and self.alive:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait (uvicorn shuts down cleanly); SIGKILL if it hangs."""
        if self._process is None or not self.alive:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def brain_turns(self) -> list[tuple[str, int]]:
        """Every (investigation, turn) this replica's brain was asked for."""
        path = self.state_dir / "brain-turns.log"
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [(line.split()[0], int(line.split()[1])) for line in lines if line.strip()]

    def tail(self, size: int = 3000) -> str:
        """The end of the replica's log."""
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else "(no log)"
