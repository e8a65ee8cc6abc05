"""``record_writes=True``: writes are answered and recorded, never applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from k8s_cluster import CRASHING_POD, NOW, cluster_objects, kubectl, needs_kubectl, pod_logs
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from starlette.applications import Starlette

from agent.replay.http import LoopbackServers
from agent.replay.kubernetes import RecordedWrite, create_app, write_kubeconfig


def _api(kind: type[Any], api_client: client.ApiClient) -> Any:
    # Every field of the client's models is Optional; tests reach deep into known-present
    # fields, so they use the APIs untyped rather than assert each level is not None.
    return kind(api_client)


@pytest.fixture
def recording() -> Iterator[tuple[Starlette, client.ApiClient]]:
    app = create_app(cluster_objects(), pod_logs(), NOW, record_writes=True)
    with LoopbackServers({"k8s": app}) as servers:
        path = write_kubeconfig(Path(servers.urls["k8s"].replace(":", "_")[7:]), "x")
        path.unlink()  # only the server URL matters; keep the file out of the tree
        api_client = client.ApiClient(client.Configuration(host=servers.urls["k8s"]))
        yield app, api_client
        api_client.close()  # type: ignore[no-untyped-call]


def test_patch_is_recorded_exactly_and_not_applied(
    recording: tuple[Starlette, client.ApiClient],
) -> None:
    app, api_client = recording
    apps = _api(client.AppsV1Api, api_client)
    patch = {"spec": {"replicas": 0}, "metadata": {"annotations": {"why": "test"}}}
    answered = apps.patch_namespaced_deployment("checkout", "shop", patch, dry_run="All")
    assert answered.metadata.name == "checkout" and answered.spec.replicas == 2
    [write] = app.state.recorded_writes
    assert write == RecordedWrite(
        method="PATCH",
        path="/apis/apps/v1/namespaces/shop/deployments/checkout",
        query={"dryRun": "All"},
        body=patch,
        content_type=write.content_type,
    )
    assert write.content_type.endswith("patch+json")
    assert apps.read_namespaced_deployment("checkout", "shop").spec.replicas == 2


def test_delete_and_create_are_recorded(recording: tuple[Starlette, client.ApiClient]) -> None:
    app, api_client = recording
    core = _api(client.CoreV1Api, api_client)
    core.delete_namespaced_pod(CRASHING_POD, "shop")
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="new"), data={"a": "b"})
    created = core.create_namespaced_config_map("shop", body)
    assert created.metadata.namespace == "shop"
    assert [(w.method, w.path) for w in app.state.recorded_writes] == [
        ("DELETE", f"/api/v1/namespaces/shop/pods/{CRASHING_POD}"),
        ("POST", "/api/v1/namespaces/shop/configmaps"),
    ]
    assert app.state.recorded_writes[1].body["data"] == {"a": "b"}
    assert core.read_namespaced_pod(CRASHING_POD, "shop").metadata.name == CRASHING_POD
    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("new", "shop")
    assert info.value.status == 404


def test_writes_to_missing_objects_or_secrets_are_refused_and_not_recorded(
    recording: tuple[Starlette, client.ApiClient],
) -> None:
    app, api_client = recording
    core = _api(client.CoreV1Api, api_client)
    with pytest.raises(ApiException) as missing:
        core.patch_namespaced_pod("nope", "shop", {"metadata": {"labels": {"a": "b"}}})
    assert missing.value.status == 404
    with pytest.raises(ApiException) as secret:
        core.delete_namespaced_secret("db-password", "shop")
    assert secret.value.status == 403
    assert app.state.recorded_writes == []


def test_default_mode_refuses_and_records_nothing() -> None:
    app = create_app(cluster_objects(), pod_logs(), NOW)
    with LoopbackServers({"k8s": app}) as servers:
        url = servers.urls["k8s"] + "/apis/apps/v1/namespaces/shop/deployments/checkout"
        response = httpx2.patch(url, json={"spec": {"replicas": 0}})
    assert response.status_code == 405
    assert app.state.recorded_writes == []


@needs_kubectl
def test_kubectl_server_dry_run_patch_is_recorded(tmp_path: Path) -> None:
    app = create_app(cluster_objects(), pod_logs(), NOW, record_writes=True)
    patch = '{"spec":{"template":{"spec":{"containers":[{"name":"checkout","image":"x:1"}]}}}}'
    with LoopbackServers({"k8s": app}) as servers:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", servers.urls["k8s"], "shop")
        result = kubectl(
            kubeconfig, "patch", "deployment", "checkout", "--dry-run=server", "-p", patch
        )
    assert result.returncode == 0, result.stderr
    [write] = app.state.recorded_writes
    assert (write.method, write.query.get("dryRun")) == ("PATCH", "All")
    assert write.body == json.loads(patch)
    assert write.content_type == "application/strategic-merge-patch+json"
