"""What a scenario may add beyond faults and rollouts: objects, probes and one-off log lines.

These are the traces a cause leaves outside the request path — a ConfigMap edited in place, a
Warning Event on an object the simulator does not otherwise model (a cert-manager Certificate),
a blackbox TLS probe, a line every pod writes once (a configuration hot-reload) — and the
instrumentation some scenarios need (OTel client histograms, platform dependencies listed in the
catalogue). Every field defaults to empty, so a scenario without extras generates exactly what
it did before they existed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfigMapSpec:
    """A ConfigMap created long ago and last written at ``updated`` (its managedFields time)."""

    namespace: str
    name: str
    data: tuple[tuple[str, str], ...]
    updated: float
    manager: str = "kubectl-edit"
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class WarningEvent:
    """A Warning Event, repeated ``count`` times between ``first`` and ``last``.

    ``api_version``/``kind`` name the involved object, which need not be served (Events about
    custom resources outlive any knowledge of the resource itself).
    """

    api_version: str
    kind: str
    namespace: str
    name: str
    reason: str
    message: str
    first: float
    last: float
    count: int
    component: str


@dataclass(frozen=True, slots=True)
class Announcement:
    """A line every live pod of ``component`` writes once, a second or two after ``at``."""

    component: str
    level: str
    message: str
    at: float


@dataclass(frozen=True, slots=True)
class TlsProbe:
    """A blackbox ``http_2xx`` probe of ``target``, whose served certificate ends at ``expiry``.

    The probe succeeds while the certificate is valid and ``component`` has a ready pod.
    """

    target: str
    component: str
    expiry: float


@dataclass(frozen=True, slots=True)
class Extras:
    """Everything a scenario adds; all empty by default.

    ``client_histograms``: services whose HTTP clients export the OTel
    ``http_client_request_duration_seconds`` histogram per peer.
    ``platform_dependencies``: infrastructure workloads (e.g. ``coredns``) the catalogue lists
    as a dependency of every service.
    """

    config_maps: tuple[ConfigMapSpec, ...] = ()
    warnings: tuple[WarningEvent, ...] = ()
    announcements: tuple[Announcement, ...] = ()
    tls_probes: tuple[TlsProbe, ...] = ()
    client_histograms: tuple[str, ...] = ()
    platform_dependencies: tuple[str, ...] = ()
