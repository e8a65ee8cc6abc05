"""Load a bundle directory (everything but the truth) and check it against the contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from agent.alerts.fingerprint import fingerprint
from agent.errors import BundleError, Problem

from .files import read_json, read_k8s, read_logs, read_traces, read_yaml_model
from .model import Bundle, Catalog, Incident

INCIDENT = "incident.yaml"
ALERT = "alert.json"
METRICS = "metrics.om"
METRICS_GZ = "metrics.om.gz"
LOGS = "logs.jsonl"
K8S = "k8s.yaml"
TRACES = "traces.jsonl"
CATALOG = "catalog.yaml"
TRUTH = "truth.yaml"


def check_alert_payload(
    payload: Any, where: str, wanted_fingerprint: str | None = None
) -> list[Problem]:
    """Check an Alertmanager v4 webhook payload; fingerprints must match their labels."""
    if not isinstance(payload, dict):
        return [Problem(where, 1, "expected a JSON object (Alertmanager webhook payload)")]
    problems: list[Problem] = []
    if payload.get("version") != "4":
        problems.append(Problem(where, 0, f'version: expected "4", got {payload.get("version")!r}'))
    alerts = payload.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        return [*problems, Problem(where, 0, "alerts: expected a non-empty list")]
    seen: set[str] = set()
    for index, alert in enumerate(alerts):
        at = f"alerts[{index}]"
        if not isinstance(alert, dict) or not isinstance(alert.get("labels"), dict):
            problems.append(Problem(where, 0, f"{at}: expected an object with labels"))
            continue
        for key in ("status", "startsAt", "endsAt", "fingerprint"):
            if not isinstance(alert.get(key), str):
                problems.append(Problem(where, 0, f"{at}.{key}: missing"))
        fp = alert.get("fingerprint")
        if isinstance(fp, str):
            seen.add(fp)
            expected = fingerprint(alert["labels"])
            if fp != expected:
                problems.append(
                    Problem(
                        where, 0, f"{at}.fingerprint: {fp} does not match its labels ({expected})"
                    )
                )
        generator = alert.get("generatorURL", "")
        if generator and "g0.expr" not in parse_qs(urlparse(str(generator)).query):
            problems.append(Problem(where, 0, f"{at}.generatorURL: no g0.expr parameter"))
    if wanted_fingerprint is not None and wanted_fingerprint not in seen:
        problems.append(
            Problem(where, 0, f"no alert has the incident's alert_fingerprint {wanted_fingerprint}")
        )
    return problems


def metrics_file(path: Path, problems: list[Problem]) -> Path | None:
    """The bundle's metrics file: ``metrics.om`` or its gzip form ``metrics.om.gz``."""
    plain, packed = path / METRICS, path / METRICS_GZ
    if plain.is_file() and packed.is_file():
        problems.append(Problem(str(packed), 0, f"both {METRICS} and {METRICS_GZ}; keep one"))
    if plain.is_file():
        return plain
    return packed if packed.is_file() else None


def read_bundle(path: Path) -> tuple[Bundle | None, list[Problem]]:
    """Read a bundle, collecting every problem; the bundle is ``None`` when unusable."""
    problems: list[Problem] = []
    if not path.is_dir():
        return None, [Problem(str(path), 0, "not a directory")]
    if (path / "secrets.yaml").exists():
        problems.append(Problem(str(path / "secrets.yaml"), 0, "bundles never carry secrets"))
    incident_path = path / INCIDENT
    if not incident_path.is_file():
        problems.append(Problem(str(incident_path), 0, "missing (required)"))
        incident = None
    else:
        incident = read_yaml_model(incident_path, Incident, problems)
    alert_path = path / ALERT
    payload: Any = None
    if not alert_path.is_file():
        problems.append(Problem(str(alert_path), 0, "missing (required)"))
    else:
        payload = read_json(alert_path, problems)
        if payload is not None:
            wanted = incident.alert_fingerprint if incident else None
            problems.extend(check_alert_payload(payload, str(alert_path), wanted))
    catalog = Catalog()
    if (path / CATALOG).is_file():
        catalog = read_yaml_model(path / CATALOG, Catalog, problems) or Catalog()
    logs = read_logs(path / LOGS, problems) if (path / LOGS).is_file() else []
    k8s = read_k8s(path / K8S, problems) if (path / K8S).is_file() else []
    traces = read_traces(path / TRACES, problems) if (path / TRACES).is_file() else []
    metrics = metrics_file(path, problems)
    if incident is None or not isinstance(payload, dict):
        return None, problems
    bundle = Bundle(
        path=path,
        incident=incident,
        alert_payload=payload,
        metrics_path=metrics,
        logs=logs,
        k8s_objects=k8s,
        traces=traces,
        catalog=catalog,
    )
    return bundle, problems


def load_bundle(path: Path | str) -> Bundle:
    """Load a bundle for replay or investigation.

    Raises:
        BundleError: the bundle breaks the contract; every problem is listed with file and line.
    """
    bundle, problems = read_bundle(Path(path))
    if problems or bundle is None:
        raise BundleError(problems or [Problem(str(path), 0, "unusable bundle")])
    return bundle
