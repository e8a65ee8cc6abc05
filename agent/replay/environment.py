"""The replay environment: a recorded incident served through the backends' real HTTP APIs.

Prometheus is the real binary over a backfilled TSDB; Loki, Tempo, Kubernetes and Alertmanager
are the project's replay servers, all on loopback ports. The agent talks to them with its
production clients, unchanged. Nothing served reveals ``truth.yaml`` or the bundle's path.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from agent.bundle.load import load_bundle
from agent.bundle.model import Bundle
from agent.config.settings import ReplaySettings
from agent.timeutil import format_rfc3339, to_ns

from .http import LoopbackServers
from .prometheus import PrometheusProcess, backfill_blocks, require_binary


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where each replayed backend answers, and the investigation's clock."""

    prometheus: str
    loki: str
    tempo: str
    kubernetes: str
    kubeconfig: Path
    alertmanager: str
    now: datetime

    def backend_urls(self) -> dict[str, Any]:
        """Keyword arguments for ``tools.clients.Backends.from_urls``."""
        return {
            "prometheus": self.prometheus,
            "loki": self.loki,
            "tempo": self.tempo,
            "kubeconfig": self.kubeconfig,
            "alertmanager": self.alertmanager,
        }

    def as_json(self) -> dict[str, Any]:
        """The endpoints line printed by ``agent replay serve --json``."""
        return {
            "prometheus": self.prometheus,
            "loki": self.loki,
            "tempo": self.tempo,
            "kubernetes": self.kubernetes,
            "kubeconfig": str(self.kubeconfig),
            "alertmanager": self.alertmanager,
            "now": format_rfc3339(self.now),
        }


def build_apps(bundle: Bundle, *, record_writes: bool = False) -> dict[str, Any]:
    """Create the ASGI apps of the replay servers for ``bundle`` (all but Prometheus)."""
    # Imported here so that loading the CLI does not import every server.
    from .alertmanager import create_app as alertmanager_app
    from .kubernetes import create_app as kubernetes_app
    from .loki import create_app as loki_app
    from .tempo import create_app as tempo_app

    now_ns = to_ns(bundle.now)
    return {
        "loki": loki_app(bundle.logs, now_ns=now_ns),
        "tempo": tempo_app(bundle.traces),
        "kubernetes": kubernetes_app(
            bundle.k8s_objects, bundle.logs, bundle.now, record_writes=record_writes
        ),
        "alertmanager": alertmanager_app(bundle.alert_payload, bundle.now),
    }


class ReplayEnvironment:
    """Start every replayed backend for one bundle; a context manager yielding ``Endpoints``.

    ``record_writes`` switches the Kubernetes replay into its explicit write-recording mode
    (for testing a remediation executor); the recorded requests are then available from
    ``recorded_writes``.
    """

    def __init__(
        self,
        bundle: Bundle | Path | str,
        settings: ReplaySettings | None = None,
        *,
        record_writes: bool = False,
    ) -> None:
        self.bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
        self._settings = settings or ReplaySettings()
        self._record_writes = record_writes
        self._workdir: Path | None = None
        self._prometheus: PrometheusProcess | None = None
        self._servers: LoopbackServers | None = None
        self._apps: dict[str, Any] = {}
        self.endpoints: Endpoints | None = None

    @property
    def recorded_writes(self) -> list[dict[str, Any]]:
        """Write requests the Kubernetes replay recorded (only in ``record_writes`` mode)."""
        app = self._apps.get("kubernetes")
        return list(app.state.recorded_writes) if app is not None else []

    def start(self) -> Endpoints:
        """Start everything and wait until every backend answers."""
        settings = self._settings
        prometheus_bin = require_binary("prometheus", settings.prometheus_bin)
        self._workdir = Path(tempfile.mkdtemp(prefix="replay-"))
        try:
            blocks = None
            if self.bundle.metrics_path is not None:
                promtool = require_binary("promtool", settings.promtool_bin)
                blocks = backfill_blocks(self.bundle.metrics_path, promtool, settings.cache_dir)
            self._prometheus = PrometheusProcess(blocks, prometheus_bin, self._workdir / "prom")
            self._prometheus.start()
            # Build the in-process servers while Prometheus loads its blocks.
            self._apps = build_apps(self.bundle, record_writes=self._record_writes)
            self._servers = LoopbackServers(self._apps).start()
            kubeconfig = self._write_kubeconfig(self._servers.urls["kubernetes"])
            self._prometheus.wait_ready()
        except BaseException:
            self.close()
            raise
        urls = self._servers.urls
        self.endpoints = Endpoints(
            prometheus=self._prometheus.url,
            loki=urls["loki"],
            tempo=urls["tempo"],
            kubernetes=urls["kubernetes"],
            kubeconfig=kubeconfig,
            alertmanager=urls["alertmanager"],
            now=self.bundle.now,
        )
        return self.endpoints

    def _write_kubeconfig(self, url: str) -> Path:
        from .kubernetes import write_kubeconfig

        assert self._workdir is not None
        return write_kubeconfig(self._workdir / "kubeconfig", url)

    def close(self) -> None:
        """Stop every server and remove the temporary files."""
        if self._servers is not None:
            self._servers.close()
            self._servers = None
        if self._prometheus is not None:
            self._prometheus.stop()
            self._prometheus = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Endpoints:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
