"""The set of read-only readers one investigation uses; ``None`` means not configured."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.config import BackendSettings

from .alertmanager import AlertmanagerReader
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
    def from_settings(cls, settings: BackendSettings, timeout: float = 30.0) -> Backends:
        """Readers for the live backends configured in ``settings`` (the caller closes them)."""
        return cls.from_urls(
            prometheus=settings.prometheus_url,
            loki=settings.loki_url,
            tempo=settings.tempo_url,
            kubeconfig=settings.kubeconfig,
            alertmanager=settings.alertmanager_url,
            timeout=timeout,
            loki_tenant=settings.loki_tenant,
        )

    def close(self) -> None:
        """Close every configured reader's connections."""
        for reader in (self.prometheus, self.loki, self.tempo, self.kubernetes, self.alertmanager):
            if reader is not None:
                reader.close()
