"""Record one alert's incident from the configured backends into a bundle directory.

Every backend is read through the read-only readers of ``tools.clients``. A backend that is
not configured or fails is skipped and named in the summary: the bundle contract allows any
telemetry file to be absent. ``truth.yaml`` is never written; only a human knows the truth.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from agent.alerts.model import alert_from_alertmanager
from agent.bundle.load import ALERT, CATALOG, INCIDENT, K8S, LOGS, METRICS_GZ, TRACES
from agent.bundle.model import Catalog
from agent.config.backends import BackendSettings
from agent.errors import BackendError, ConfigError
from agent.safety.redact import Redactor
from agent.timeutil import parse_rfc3339
from policies.model import Policy
from policies.scope import derive_scope
from tools.clients import Backends

from .alert import incident_document, redact_alert, webhook_alert, webhook_payload
from .k8s import record_k8s
from .logs import record_logs
from .metrics import record_metrics
from .traces import record_traces

TRUTH_HELP = """\
Add truth.yaml by hand (the eval scorer reads it; the replay never serves it):
  root_cause:
    component: <workload or infrastructure element, never a pod name>
    category: <deployment|configuration|resource|dependency|network|capacity|infrastructure|code>
    summary: <one sentence: what broke and why>
  aliases: [<other names of the component>]
  key_evidence: [<strings a good report quotes>]
  remediation: <what fixed it>"""


@dataclass(frozen=True)
class RecordOptions:
    """How much to record around the alert, and with which scope rules."""

    before: timedelta = timedelta(hours=1)
    after: timedelta = timedelta(minutes=15)
    catalog: Catalog = field(default_factory=Catalog)
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass
class RecordSummary:
    """What was written: item counts per file, and the backends that were skipped and why."""

    out: Path
    namespaces: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def record_bundle(
    fingerprint: str,
    out: Path,
    settings: BackendSettings,
    policy: Policy,
    options: RecordOptions | None = None,
) -> RecordSummary:
    """Record the incident of alert ``fingerprint`` into the directory ``out``.

    Raises:
        ConfigError: no Alertmanager is configured, the alert is unknown, or ``out`` holds files.
    """
    opts = options or RecordOptions()
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out} is not empty; choose a new directory")
    backends = Backends.from_settings(settings)
    try:
        if backends.alertmanager is None:
            raise ConfigError("agent record needs an Alertmanager: set AGENT_ALERTMANAGER_URL")
        item = backends.alertmanager.find(fingerprint)
        if item is None:
            raise ConfigError(f"unknown alert id {fingerprint} at {backends.alertmanager.url}")
        redactor = Redactor.with_random_key()
        alert = redact_alert(webhook_alert(item), redactor)
        incident = incident_document(alert, opts.before, opts.after, opts.wall_clock())
        scope = derive_scope(alert_from_alertmanager(item), opts.catalog, policy)
        summary = RecordSummary(out, sorted(scope.namespaces))
        out.mkdir(parents=True, exist_ok=True)
        (out / ALERT).write_text(json.dumps(webhook_payload(alert), indent=2) + "\n", "utf-8")
        (out / INCIDENT).write_text(yaml.safe_dump(incident, sort_keys=False), "utf-8")
        if opts.catalog.services:
            catalog = opts.catalog.model_dump(mode="json", exclude_none=True)
            (out / CATALOG).write_text(yaml.safe_dump(catalog, sort_keys=False), "utf-8")
        _record_telemetry(backends, summary, incident, redactor)
        return summary
    finally:
        backends.close()


def _record_telemetry(
    backends: Backends, summary: RecordSummary, incident: dict[str, object], redactor: Redactor
) -> None:
    window = incident["window"]
    assert isinstance(window, dict)
    start, end = parse_rfc3339(window["start"]), parse_rfc3339(window["end"])
    out, namespaces = summary.out, summary.namespaces
    p, loki, kube, tempo = backends.prometheus, backends.loki, backends.kubernetes, backends.tempo
    # Each step exists only when its backend is configured (None: skipped, and said so).
    steps: dict[str, Callable[[], int] | None] = {
        METRICS_GZ: (lambda: record_metrics(p, namespaces, start, end, redactor, out / METRICS_GZ))
        if p
        else None,
        LOGS: (lambda: record_logs(loki, namespaces, start, end, redactor, out / LOGS))
        if loki
        else None,
        K8S: (lambda: record_k8s(kube, namespaces, redactor, out / K8S)) if kube else None,
        TRACES: (lambda: record_traces(tempo, start, end, redactor, out / TRACES))
        if tempo
        else None,
    }
    for name, step in steps.items():
        if step is None:
            summary.skipped[name] = "backend not configured"
            continue
        try:
            summary.counts[name] = step()
        except BackendError as exc:
            # A half-written file would break the bundle; absent is valid.
            (out / name).unlink(missing_ok=True)
            summary.skipped[name] = str(exc)
