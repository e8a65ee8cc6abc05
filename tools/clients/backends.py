"""The set of read-only readers one investigation uses; ``None`` means not configured."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from agent.config.backends import BackendName, BackendSettings

from .alertmanager import AlertmanagerReader
from .connection import Connection
from .kubernetes import KubeReader
from .loki import LokiReader
from .prometheus import PrometheusReader
from .tempo import TempoReader


@dataclass(frozen=True, slots=True)
class Backends:
    """Read-only clients for each backend; a tool facing ``None`` reports "not configured"."""

    prometheus: PrometheusReader | None = None
    loki: LokiReader | None = None
    tempo: TempoReader | None = None
    kubernetes: KubeReader | None = None
    alertmanager: AlertmanagerReader | None = None

    @classmethod
    def from_urls(
        cls,
        *,
        prometheus: str | None = None,
        loki: str | None = None,
        tempo: str | None = None,
        kubeconfig: str | Path | None = None,
        alertmanager: str | None = None,
        timeout: float = 30.0,
        loki_tenant: str | None = None,
    ) -> Backends:
        """Construct a reader for every backend given.

        Raises:
            ConfigError: the kubeconfig cannot be loaded.
        """
        return cls(
            prometheus=PrometheusReader(prometheus, timeout=timeout) if prometheus else None,
            loki=LokiReader(loki, timeout=timeout, tenant=loki_tenant) if loki else None,
            tempo=TempoReader(tempo, timeout=timeout) if tempo else None,
            kubernetes=KubeReader.from_kubeconfig(kubeconfig, timeout=timeout)
            if kubeconfig
            else None,
            alertmanager=AlertmanagerReader(alertmanager, timeout=timeout)
            if alertmanager
            else None,
        )

    @classmethod
    def from_settings(cls, settings: BackendSettings, timeout: float | None = None) -> Backends:
        """Readers for the live backends configured in ``settings`` (the caller closes them).

        Each HTTP backend gets its own headers, credentials and TLS settings; ``timeout``
        overrides every backend's ``timeout_seconds``.
        """

        def connect(name: BackendName) -> Connection | None:
            found = settings.connection(name)
            if found is None:
                return None
            connection = Connection.from_settings(found)
            return connection if timeout is None else replace(connection, timeout=timeout)

        prometheus, loki = connect("prometheus"), connect("loki")
        tempo, alertmanager = connect("tempo"), connect("alertmanager")
        kubeconfig = settings.kubeconfig
        return cls(
            prometheus=PrometheusReader(prometheus) if prometheus else None,
            loki=LokiReader(loki) if loki else None,
            tempo=TempoReader(tempo) if tempo else None,
            kubernetes=KubeReader.from_kubeconfig(
                kubeconfig, context=settings.kube_context, timeout=timeout or 30.0
            )
            if kubeconfig
            else None,
            alertmanager=AlertmanagerReader(alertmanager) if alertmanager else None,
        )

    def close(self) -> None:
        """Close every configured reader's connections."""
        for reader in (self.prometheus, self.loki, self.tempo, self.kubernetes, self.alertmanager):
            if reader is not None:
                reader.close()
