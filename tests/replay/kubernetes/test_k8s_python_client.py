"""The official Python client against the replay API server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from k8s_cluster import CRASHING_POD, DEPLOY_UID, HEALTHY_POD, NOW
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException


def _api(kind: type[Any], api_client: client.ApiClient) -> Any:
    # Every field of the client's models is Optional; tests reach deep into known-present
    # fields, so they use the APIs untyped rather than assert each level is not None.
    return kind(api_client)


@pytest.fixture
def api(kubeconfig: Path) -> Iterator[client.ApiClient]:
    api_client: client.ApiClient = config.new_client_from_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig)
    )
    yield api_client
    api_client.close()  # type: ignore[no-untyped-call]


def _names(result: Any) -> list[str]:
    return sorted(item.metadata.name for item in result.items)


def _message(error: ApiException) -> str:
    message = json.loads(error.body or "{}")["message"]
    assert isinstance(message, str)
    return message


def _status_error(call: Any, *args: Any, **kwargs: Any) -> ApiException:
    with pytest.raises(ApiException) as info:
        call(*args, **kwargs)
    return info.value


def test_list_pods_namespaced_and_all(api: client.ApiClient) -> None:
    core = _api(client.CoreV1Api, api)
    assert _names(core.list_namespaced_pod("shop")) == [HEALTHY_POD, CRASHING_POD]
    everywhere = core.list_pod_for_all_namespaces()
    assert _names(everywhere) == [HEALTHY_POD, CRASHING_POD, "ledger-0"]
    assert everywhere.metadata.resource_version


def test_container_statuses_survive_the_round_trip(api: client.ApiClient) -> None:
    pod = _api(client.CoreV1Api, api).read_namespaced_pod(CRASHING_POD, "shop")
    status = next(s for s in pod.status.container_statuses if s.name == "checkout")
    assert status.state.waiting.reason == "CrashLoopBackOff"
    assert status.last_state.terminated.reason == "OOMKilled"
    assert status.last_state.terminated.exit_code == 137
    assert status.restart_count == 7


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=checkout", [HEALTHY_POD, CRASHING_POD]),
        ("app==checkout,pod-template-hash=7b9c5d", [CRASHING_POD]),
        ("pod-template-hash!=7b9c5d", [HEALTHY_POD, "ledger-0"]),
        ("pod-template-hash in (6d4f8a, 0000)", [HEALTHY_POD]),
        ("pod-template-hash notin (6d4f8a)", [CRASHING_POD, "ledger-0"]),
        ("pod-template-hash", [HEALTHY_POD, CRASHING_POD]),
        ("!pod-template-hash", ["ledger-0"]),
    ],
)
def test_label_selectors(api: client.ApiClient, selector: str, expected: list[str]) -> None:
    pods = _api(client.CoreV1Api, api).list_pod_for_all_namespaces(label_selector=selector)
    assert sorted(p.metadata.name for p in pods.items) == sorted(expected)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("status.phase=Pending", ["ledger-0"]),
        ("status.phase!=Pending,spec.nodeName=node-a", [HEALTHY_POD, CRASHING_POD]),
        ("metadata.namespace==payments", ["ledger-0"]),
        (f"metadata.name={CRASHING_POD}", [CRASHING_POD]),
    ],
)
def test_pod_field_selectors(api: client.ApiClient, selector: str, expected: list[str]) -> None:
    pods = _api(client.CoreV1Api, api).list_pod_for_all_namespaces(field_selector=selector)
    assert sorted(p.metadata.name for p in pods.items) == sorted(expected)


def test_unsupported_field_selector_is_400(api: client.ApiClient) -> None:
    error = _status_error(
        _api(client.CoreV1Api, api).list_namespaced_pod, "shop", field_selector="spec.image=x"
    )
    assert error.status == 400
    assert _message(error) == "field label not supported: spec.image"


def test_bad_label_selector_is_400(api: client.ApiClient) -> None:
    error = _status_error(
        _api(client.CoreV1Api, api).list_namespaced_pod, "shop", label_selector="app in (x"
    )
    assert error.status == 400


def test_core_events_by_involved_object(api: client.ApiClient) -> None:
    events = _api(client.CoreV1Api, api).list_namespaced_event(
        "shop", field_selector=f"involvedObject.name={CRASHING_POD},type=Warning"
    )
    assert sorted(e.reason for e in events.items) == ["BackOff", "OOMKilling"]
    assert {e.count for e in events.items} == {42, 7}


def test_events_v1_are_converted(api: client.ApiClient) -> None:
    events = _api(client.EventsV1Api, api).list_namespaced_event(
        "shop", field_selector=f"regarding.name={CRASHING_POD},reason=BackOff"
    )
    [event] = events.items
    assert event.note == "Back-off restarting failed container checkout"
    assert event.regarding.kind == "Pod"
    assert event.deprecated_count == 42
    assert event.reporting_controller == "kubelet"
    assert event.event_time == NOW - timedelta(minutes=30)
    assert event.deprecated_last_timestamp == NOW - timedelta(minutes=1)
    core = _api(client.CoreV1Api, api).read_namespaced_event("checkout.backoff", "shop")
    assert event.metadata.uid == core.metadata.uid  # one object, two views


def test_deployment_and_its_rollout_history(api: client.ApiClient) -> None:
    apps = _api(client.AppsV1Api, api)
    deploy = apps.read_namespaced_deployment("checkout", "shop")
    assert deploy.status.conditions[0].reason == "ProgressDeadlineExceeded"
    replica_sets = apps.list_namespaced_replica_set("shop", label_selector="app=checkout")
    owned = [
        rs
        for rs in replica_sets.items
        if any(ref.uid == DEPLOY_UID for ref in rs.metadata.owner_references)
    ]
    history = sorted(
        owned, key=lambda rs: int(rs.metadata.annotations["deployment.kubernetes.io/revision"])
    )
    images = [rs.spec.template.spec.containers[0].image for rs in history]
    assert images == ["shop/checkout:1.4.2", "shop/checkout:1.5.0"]
    assert apps.list_stateful_set_for_all_namespaces().items == []
    assert apps.list_namespaced_daemon_set("shop").items == []


def test_cluster_scoped_and_synthesised_objects(api: client.ApiClient) -> None:
    core = _api(client.CoreV1Api, api)
    assert _names(core.list_node()) == ["node-a"]
    # payments has no Namespace object in the bundle, but a real cluster would.
    assert _names(core.list_namespace()) == ["payments", "shop"]
    node = core.read_node("node-a")
    assert node.metadata.uid and node.metadata.resource_version
    assert core.read_namespaced_service("checkout", "shop").spec.cluster_ip == "10.96.0.20"
    assert core.read_namespaced_config_map("checkout-config", "shop").data == {
        "CACHE_SIZE_MB": "512"
    }
    assert core.list_namespaced_endpoints("shop").items == []


def test_missing_object_is_404(api: client.ApiClient) -> None:
    error = _status_error(_api(client.CoreV1Api, api).read_namespaced_pod, "nope", "shop")
    assert error.status == 404
    assert _message(error) == 'pods "nope" not found'
    error = _status_error(_api(client.AppsV1Api, api).read_namespaced_deployment, "nope", "shop")
    assert _message(error) == 'deployments.apps "nope" not found'


def test_secrets_are_forbidden(api: client.ApiClient) -> None:
    core = _api(client.CoreV1Api, api)
    for call, args in (
        (core.list_namespaced_secret, ("shop",)),
        (core.read_namespaced_secret, ("db-password", "shop")),
        (core.list_secret_for_all_namespaces, ()),
    ):
        error = _status_error(call, *args)
        assert error.status == 403
        assert _message(error).startswith("secrets")
        assert 'is forbidden: User "system:serviceaccount:replay:agent"' in _message(error)


def test_writes_are_405(api: client.ApiClient) -> None:
    core, apps = _api(client.CoreV1Api, api), _api(client.AppsV1Api, api)
    patch = {"spec": {"replicas": 0}}
    assert _status_error(apps.patch_namespaced_deployment, "checkout", "shop", patch).status == 405
    assert _status_error(core.delete_namespaced_pod, CRASHING_POD, "shop").status == 405
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x"))
    assert _status_error(core.create_namespaced_config_map, "shop", body).status == 405


def test_log_needs_a_container_when_the_pod_has_several(api: client.ApiClient) -> None:
    error = _status_error(_api(client.CoreV1Api, api).read_namespaced_pod_log, CRASHING_POD, "shop")
    assert error.status == 400
    assert _message(error) == (
        f"a container name must be specified for pod {CRASHING_POD}, "
        "choose one of: [checkout istio-proxy]"
    )


def test_logs_stop_at_the_recorded_moment(api: client.ApiClient) -> None:
    log = _api(client.CoreV1Api, api).read_namespaced_pod_log(
        CRASHING_POD, "shop", container="checkout"
    )
    assert log == "starting checkout 1.5.0\ncache warm-up: 412MB\ncache warm-up: 498MB\n"


def test_log_parameters(api: client.ApiClient) -> None:
    read = _api(client.CoreV1Api, api).read_namespaced_pod_log
    base: dict[str, Any] = {"name": CRASHING_POD, "namespace": "shop", "container": "checkout"}
    assert read(**base, tail_lines=1) == "cache warm-up: 498MB\n"
    assert read(**base, since_seconds=150) == "cache warm-up: 498MB\n"
    assert read(**base, limit_bytes=8) == "starting"
    stamped = read(**base, tail_lines=1, timestamps=True)
    assert stamped == "2024-05-01T11:59:00.0000005Z cache warm-up: 498MB\n"
    previous = read(**base, previous=True)
    assert previous == "starting checkout 1.5.0\nloading catalogue into memory\n"
    assert read(CRASHING_POD, "shop", container="istio-proxy") == "GET /cart 200\n"


def test_log_errors(api: client.ApiClient) -> None:
    read = _api(client.CoreV1Api, api).read_namespaced_pod_log
    error = _status_error(read, CRASHING_POD, "shop", container="istio-proxy", previous=True)
    assert error.status == 400
    assert _message(error) == (
        f'previous terminated container "istio-proxy" in pod "{CRASHING_POD}" not found'
    )
    assert _status_error(read, CRASHING_POD, "shop", container="nope").status == 400
    assert _status_error(read, "nope", "shop").status == 404


def test_refused_paths(k8s_url: str) -> None:
    with httpx2.Client(base_url=k8s_url) as http:
        exec_ = http.get(f"/api/v1/namespaces/shop/pods/{CRASHING_POD}/exec")
        assert exec_.status_code == 403
        assert exec_.json()["reason"] == "Forbidden"
        watch = http.get("/api/v1/namespaces/shop/pods", params={"watch": "true"})
        assert watch.status_code == 405
        assert http.get("/api/v1/watch/pods").status_code == 405
        unknown = http.get("/api/v1/namespaces/shop/widgets")
        assert unknown.status_code == 404 and unknown.json()["kind"] == "Status"
        refused = http.patch("/apis/apps/v1/namespaces/shop/deployments/checkout", json={})
        assert refused.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": refused.json()["message"],
            "reason": "MethodNotAllowed",
            "code": 405,
        }


def test_discovery(k8s_url: str) -> None:
    with httpx2.Client(base_url=k8s_url) as http:
        assert http.get("/version").json()["gitVersion"] == "v1.29.4"
        core = {r["name"]: r for r in http.get("/api/v1").json()["resources"]}
        assert core["pods"]["shortNames"] == ["po"] and core["pods"]["namespaced"]
        assert not core["nodes"]["namespaced"]
        assert core["pods/log"]["verbs"] == ["get"]
        groups = [g["name"] for g in http.get("/apis").json()["groups"]]
        assert groups == ["apps", "events.k8s.io", "autoscaling"]
        apps = http.get("/apis/apps/v1").json()
        assert {r["kind"] for r in apps["resources"]} == {
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
        }
        pods = http.get("/api/v1/namespaces/shop/pods").json()
        assert pods["kind"] == "PodList" and "kind" not in pods["items"][0]
        assert http.get(f"/api/v1/namespaces/shop/pods/{CRASHING_POD}").json()["kind"] == "Pod"
