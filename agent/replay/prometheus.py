"""Run the real Prometheus on a TSDB backfilled from a bundle's ``metrics.om``.

Backfilling (``promtool tsdb create-blocks-from openmetrics``) is the slow part, so its blocks
are cached by the SHA-256 of the file and copied into a fresh data directory per run:
Prometheus writes its WAL and lock there, and two replays of one bundle must not share it.
Retention is set to a century so that old recordings are not deleted on load.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx2

from agent.errors import MissingBinary, ReplayError
from agent.replay.http import free_port

_READY_TIMEOUT_S = 30.0
_INSTALL_HINT = "install it with `apt-get install prometheus` or set PROMETHEUS_BIN/PROMTOOL_BIN"


def require_binary(name: str, configured: str) -> str:
    """Resolve an external program or raise ``MissingBinary`` naming the fix."""
    found = shutil.which(configured)
    if found is None:
        raise MissingBinary(f"{name} not found (looked for {configured!r}): {_INSTALL_HINT}")
    return found


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:32]


def backfill_blocks(metrics: Path, promtool: str, cache_dir: Path) -> Path:
    """Return a directory of TSDB blocks for ``metrics``, creating and caching it if needed."""
    target = cache_dir / "tsdb" / _file_digest(metrics)
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="backfill-", dir=target.parent))
    try:
        source = metrics
        if metrics.suffix == ".gz":
            # promtool reads plain files only.
            source = staging / "metrics.om"
            with gzip.open(metrics, "rb") as packed, source.open("wb") as plain:
                shutil.copyfileobj(packed, plain)
        proc = subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(staging)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise ReplayError(f"promtool could not backfill {metrics}: {' '.join(detail)}")
        if source != metrics:
            source.unlink()
        (staging / ".complete").touch()
        try:
            staging.rename(target)
        except OSError:
            # Another process finished the same backfill first; theirs is as good as ours.
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


class PrometheusProcess:
    """A Prometheus server on a loopback port over a private copy of backfilled blocks."""

    def __init__(
        self,
        blocks: Path | None,
        prometheus: str,
        workdir: Path,
        host: str = "127.0.0.1",
    ) -> None:
        self._blocks = blocks
        self._prometheus = prometheus
        self._workdir = workdir
        self._host = host
        self._proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        """Copy the blocks, start the server and return once it has begun starting."""
        data = self._workdir / "data"
        data.mkdir(parents=True)
        if self._blocks is not None:
            for block in self._blocks.iterdir():
                if block.is_dir():
                    shutil.copytree(block, data / block.name)
        config = self._workdir / "prometheus.yml"
        config.write_text("global:\n  evaluation_interval: 1m\nscrape_configs: []\n")
        port = free_port(self._host)
        self.url = f"http://{self._host}:{port}"
        log = (self._workdir / "prometheus.log").open("wb")
        self._proc = subprocess.Popen(
            [
                self._prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                "--storage.tsdb.retention.time=100y",
                f"--web.listen-address={self._host}:{port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self._workdir,
            env={k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")},
        )
        log.close()

    def wait_ready(self, timeout: float = _READY_TIMEOUT_S) -> None:
        """Block until ``/-/ready`` answers 200, or raise ``ReplayError`` with the log tail."""
        deadline = time.monotonic() + timeout
        with httpx2.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self._proc is None or self._proc.poll() is not None:
                    break
                try:
                    if client.get(f"{self.url}/-/ready").status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                time.sleep(0.05)
        tail = self._log_tail()
        self.stop()
        raise ReplayError(f"Prometheus did not become ready at {self.url}: {tail}")

    def _log_tail(self) -> str:
        try:
            lines = (self._workdir / "prometheus.log").read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-5:]) or "(empty log)"

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 5 s)."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
