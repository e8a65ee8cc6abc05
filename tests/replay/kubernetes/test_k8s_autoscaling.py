"""HorizontalPodAutoscalers (``autoscaling/v2``): discovered, listed and read like a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from k8s_cluster import NOW, kubectl, needs_kubectl
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from agent.replay.http import LoopbackServers
from agent.replay.kubernetes import create_app, write_kubeconfig

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _hpa(name: str, current: int, limited: bool) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "creationTimestamp": "2024-04-01T00:00:00Z",
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 2,
            "maxReplicas": 4,
        },
        "status": {
            "currentReplicas": current,
            "desiredReplicas": current,
            "conditions": [
                {
                    "type": "ScalingLimited",
                    "status": str(limited),
                    "reason": "TooManyReplicas" if limited else "DesiredWithinRange",
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    objects = [_hpa("search", 4, True), _hpa("frontend", 2, False)]
    with LoopbackServers({"k8s": create_app(objects, [], NOW)}) as servers:
        yield servers.urls["k8s"]


def test_discovery_lists_the_group_and_resource(url: str) -> None:
    with httpx2.Client(timeout=10) as http:
        groups = http.get(f"{url}/apis").json()["groups"]
        assert "autoscaling/v2" in {g["preferredVersion"]["groupVersion"] for g in groups}
        resources = http.get(f"{url}/apis/autoscaling/v2").json()["resources"]
    hpa = next(r for r in resources if r["name"] == "horizontalpodautoscalers")
    assert hpa["namespaced"] is True and hpa["kind"] == "HorizontalPodAutoscaler"
    assert hpa["shortNames"] == ["hpa"] and "list" in hpa["verbs"]


def test_list_and_get_with_the_official_client(url: str, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url, namespace="shop")
    api_client = k8s_config.new_client_from_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig)
    )
    # The client's models make every field Optional; the test reads known-present ones untyped.
    api: Any = k8s.AutoscalingV2Api(api_client)
    names = {h.metadata.name for h in api.list_namespaced_horizontal_pod_autoscaler("shop").items}
    assert names == {"search", "frontend"}
    search = api.read_namespaced_horizontal_pod_autoscaler("search", "shop")
    assert search.spec.max_replicas == 4 and search.status.current_replicas == 4
    assert search.status.conditions[0].reason == "TooManyReplicas"
    with pytest.raises(k8s.ApiException) as missing:
        api.read_namespaced_horizontal_pod_autoscaler("cart", "shop")
    assert missing.value.status == 404


@needs_kubectl
def test_kubectl_resolves_the_short_name(url: str, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url, namespace="shop")
    result = kubectl(kubeconfig, "get", "hpa")
    assert result.returncode == 0, result.stderr
    assert "search" in result.stdout and "frontend" in result.stdout
