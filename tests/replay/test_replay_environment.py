"""Every bundled incident served through the backends' real APIs, read with real clients."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable

import httpx2
import pytest
from incidents import INCIDENTS, bundle_params
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from prometheus_api_client import PrometheusConnect

from agent.bundle.load import load_bundle
from agent.bundle.validate import validate_bundle
from agent.replay.environment import ReplayEnvironment

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

Replay = Callable[[str], ReplayEnvironment]


@pytest.mark.parametrize("bundle_id", bundle_params())
def test_bundle_is_valid(bundle_id: str) -> None:
    assert [str(p) for p in validate_bundle(INCIDENTS / bundle_id)] == []


@pytest.mark.parametrize("bundle_id", bundle_params())
def test_prometheus_serves_the_recording(replay: Replay, bundle_id: str) -> None:
    env = replay(bundle_id)
    assert env.endpoints is not None
    prom = PrometheusConnect(url=env.endpoints.prometheus, disable_ssl=True)
    at = str(env.endpoints.now.timestamp())
    up = prom.custom_query("count({__name__=~'.+'})", params={"time": at})
    assert int(up[0]["value"][1]) > 0
    # The alert's own rule expression evaluates at the alert's start (the rule held then).
    alert = next(
        a
        for a in env.bundle.alert_payload["alerts"]
        if a["fingerprint"] == env.bundle.incident.alert_fingerprint
    )
    expr = httpx2.URL(alert["generatorURL"]).params["g0.expr"]
    held = prom.custom_query(expr, params={"time": str(env.endpoints.now.timestamp())})
    assert held, f"rule expression returned nothing at now: {expr}"


@pytest.mark.parametrize("bundle_id", bundle_params())
def test_loki_tempo_alertmanager_answer_in_real_shapes(replay: Replay, bundle_id: str) -> None:
    env = replay(bundle_id)
    ep = env.endpoints
    assert ep is not None
    with httpx2.Client(timeout=10) as http:
        labels = http.get(f"{ep.loki}/loki/api/v1/labels").json()
        assert labels["status"] == "success" and "namespace" in labels["data"]
        ns = env.bundle.alert_payload["alerts"][0]["labels"].get("namespace", "shop")
        streams = http.get(
            f"{ep.loki}/loki/api/v1/query_range",
            params={
                "query": f'{{namespace="{ns}"}}',
                "limit": 5,
                "end": str(int(ep.now.timestamp())),
            },
        ).json()["data"]
        assert streams["resultType"] == "streams"
        value = streams["result"][0]["values"][0]
        assert isinstance(value[0], str) and value[0].isdigit()
        search = http.get(
            f"{ep.tempo}/api/search",
            params={
                "q": "{ status = error }",
                "start": int(env.bundle.incident.window.start.timestamp()),
                "end": int(ep.now.timestamp()),
            },
        ).json()
        assert "traces" in search
        if search["traces"]:
            trace_id = search["traces"][0]["traceID"]
            trace = http.get(f"{ep.tempo}/api/traces/{trace_id}").json()
            assert trace["batches"][0]["scopeSpans"][0]["spans"]
        alerts = http.get(f"{ep.alertmanager}/api/v2/alerts").json()
        assert env.bundle.incident.alert_fingerprint in {a["fingerprint"] for a in alerts}


@pytest.mark.parametrize("bundle_id", bundle_params())
def test_kubernetes_replay_with_the_official_client(replay: Replay, bundle_id: str) -> None:
    env = replay(bundle_id)
    assert env.endpoints is not None
    api = k8s_config.new_client_from_config(config_file=str(env.endpoints.kubeconfig))
    core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
    pods = core.list_pod_for_all_namespaces()
    assert pods.items, "bundle has no pods"
    assert apps.list_deployment_for_all_namespaces().items
    with pytest.raises(k8s.ApiException) as denied:
        core.list_namespaced_secret("default")
    assert denied.value.status == 403
    with pytest.raises(k8s.ApiException) as refused:
        core.delete_namespaced_pod(pods.items[0].metadata.name, pods.items[0].metadata.namespace)
    assert refused.value.status == 405


def test_nothing_served_reveals_truth_or_path(replay: Replay) -> None:
    bundle_id = bundle_params()[0].values[0]
    env = replay(bundle_id)
    truth = (INCIDENTS / bundle_id / "truth.yaml").read_text()
    summary = (
        next(line for line in truth.splitlines() if "summary:" in line).split(":", 1)[1].strip()
    )
    ep = env.endpoints
    assert ep is not None
    with httpx2.Client(timeout=10) as http:
        bodies = [
            http.get(f"{ep.alertmanager}/api/v2/status").text,
            http.get(f"{ep.alertmanager}/api/v2/alerts").text,
            http.get(f"{ep.kubernetes}/api/v1/namespaces").text,
            http.get(f"{ep.loki}/loki/api/v1/labels").text,
        ]
    for body in bodies:
        assert summary not in body
        assert str(INCIDENTS) not in body and bundle_id not in body


@pytest.mark.replay
def test_cli_serve_prints_endpoints_and_cleans_up() -> None:
    bundle = min(p for p in INCIDENTS.iterdir() if (p / "incident.yaml").exists())
    with subprocess.Popen(
        [sys.executable, "-m", "agent.cli.main", "replay", "serve", str(bundle), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            endpoints = json.loads(proc.stdout.readline())
            assert set(endpoints) == {
                "prometheus",
                "loki",
                "tempo",
                "kubernetes",
                "kubeconfig",
                "alertmanager",
                "now",
            }
            now = load_bundle(bundle).incident.now.isoformat().replace("+00:00", "Z")
            assert endpoints["now"] == now
            assert httpx2.get(f"{endpoints['prometheus']}/-/ready").status_code == 200
            kubeconfig = endpoints["kubeconfig"]
            assert os.path.exists(kubeconfig)
        finally:
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    assert not os.path.exists(kubeconfig)
