"""Generate a scenario's bundle directory: the only module that writes files."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import yaml

from evals.simulator import (
    alert,
    capacity_events,
    events,
    k8s,
    k8s_capacity,
    k8s_extras,
    lifecycle,
    logs,
    state,
    traces,
)
from evals.simulator.metrics_app import generate_app, generate_containers
from evals.simulator.metrics_dependencies import (
    generate_client_histograms,
    generate_dns_latency,
    generate_tls_probes,
)
from evals.simulator.metrics_infra import generate_exporters, generate_kube_state, generate_nodes
from evals.simulator.openmetrics import MetricStore, write_openmetrics
from evals.simulator.scenario import Scenario
from evals.simulator.scenarios import SCENARIOS
from evals.simulator.timefmt import rfc3339


def scenario(scenario_id: str) -> Scenario:
    """The registered scenario called ``scenario_id``."""
    for scn in SCENARIOS:
        if scn.id == scenario_id:
            return scn
    known = ", ".join(s.id for s in SCENARIOS)
    raise KeyError(f"unknown scenario {scenario_id!r}; known: {known}")


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _catalog(scn: Scenario) -> dict[str, Any]:
    services = []
    for svc in scn.world.services:
        services.append(
            {
                "name": svc.name,
                "namespace": "shop",
                "owner": f"team-{svc.workload.team}",
                "team_channel": f"#team-{svc.workload.team}",
                "dependencies": [e.peer for e in svc.edges]
                + list(scn.extras.platform_dependencies),
                "runbook_url": f"https://runbooks.shop.example/services/{svc.name}",
                "slo": "99.9% of requests succeed; p99 latency < 1s",
            }
        )
    for store in scn.world.datastores:
        if store.workload is not None:
            services.append(
                {
                    "name": store.name,
                    "namespace": store.workload.namespace,
                    "owner": "team-platform",
                    "team_channel": "#team-platform",
                    "dependencies": [],
                    "runbook_url": f"https://runbooks.shop.example/data/{store.name}",
                    "slo": "99.95% availability",
                }
            )
    for name in scn.extras.platform_dependencies:
        wl = scn.world.workload(name)
        services.append(
            {
                "name": name,
                "namespace": wl.namespace,
                "owner": f"team-{wl.team}",
                "team_channel": f"#team-{wl.team}",
                "dependencies": [],
                "runbook_url": f"https://runbooks.shop.example/platform/{name}",
                "slo": "99.99% availability",
            }
        )
    return {"services": services}


def generate(scenario_id: str, out_dir: Path, *, log_volume: float = 1.0) -> Path:
    """Write the bundle of ``scenario_id`` to ``out_dir/<id>`` and return that directory.

    Output is a pure function of the scenario and ``log_volume`` (byte-identical across runs).
    """
    scn = scenario(scenario_id)
    cluster = lifecycle.simulate(scn)
    states = state.compute(scn, cluster)
    store = MetricStore()
    generate_app(store, cluster, states)
    generate_containers(store, cluster, states)
    generate_kube_state(store, cluster, states)
    generate_nodes(store, cluster, states)
    generate_exporters(store, cluster, states)
    generate_client_histograms(store, cluster, states)
    generate_tls_probes(store, cluster, states)
    generate_dns_latency(store, cluster, states)
    payload = alert.payload(store, scn)

    target = out_dir / scn.id
    target.mkdir(parents=True, exist_ok=True)
    # gzip with a zero mtime and no file name keeps regeneration byte-identical.
    with (
        (target / "metrics.om.gz").open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as out,
    ):
        write_openmetrics(store, out)
    (target / "alert.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    incident = {
        "id": scn.id,
        "title": scn.title,
        "now": rfc3339(scn.now),
        "window": {"start": rfc3339(scn.start), "end": rfc3339(scn.now)},
        "alert_fingerprint": payload["alerts"][0]["fingerprint"],
        "description": scn.description,
    }
    (target / "incident.yaml").write_text(_yaml(incident), encoding="utf-8")
    lines = logs.generate(cluster, states, log_volume)
    (target / "logs.jsonl").write_text(
        "".join(logs.to_json(ln) + "\n" for ln in lines), encoding="utf-8"
    )
    spans = traces.generate(cluster, states)
    (target / "traces.jsonl").write_text(
        "".join(traces.to_json(t) + "\n" for t in spans), encoding="utf-8"
    )
    factory = k8s.ObjectFactory(cluster)
    objects = (
        k8s.cluster_objects(factory)
        + k8s_extras.extra_objects(factory)
        + k8s_capacity.autoscaler_objects(factory)
        + events.event_objects(factory, capacity_events.occurrences(cluster))
    )
    (target / "k8s.yaml").write_text(
        yaml.safe_dump_all(objects, sort_keys=False, width=100), encoding="utf-8"
    )
    (target / "catalog.yaml").write_text(_yaml(_catalog(scn)), encoding="utf-8")
    truth = scn.truth
    (target / "truth.yaml").write_text(
        _yaml(
            {
                "root_cause": {
                    "component": truth.component,
                    "category": truth.category,
                    "summary": truth.summary,
                },
                "aliases": list(truth.aliases),
                "key_evidence": list(truth.key_evidence),
                "remediation": truth.remediation,
            }
        ),
        encoding="utf-8",
    )
    return target
