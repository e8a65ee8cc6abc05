from __future__ import annotations

from k8s_cluster import cluster_objects

from agent.replay.kubernetes.catalog import find_type
from agent.replay.kubernetes.store import ObjectStore


def _uids(store: ObjectStore, group: str, resource: str) -> dict[str, str]:
    rtype = find_type(group, "v1", resource)
    assert rtype is not None
    return {
        o["metadata"]["name"]: o["metadata"]["uid"] + "@" + o["metadata"]["resourceVersion"]
        for o in store.list_objects(rtype, None)
    }


def test_synthetic_identity_is_stable_across_loads() -> None:
    first, second = ObjectStore(cluster_objects()), ObjectStore(cluster_objects())
    assert _uids(first, "", "pods") == _uids(second, "", "pods")
    assert _uids(first, "", "namespaces") == _uids(second, "", "namespaces")
    assert first.resource_version == second.resource_version
    assert len(set(_uids(first, "apps", "replicasets").values())) == 2


def test_secrets_never_enter_the_store() -> None:
    store = ObjectStore(cluster_objects())
    secrets = find_type("", "v1", "secrets")
    assert secrets is not None
    assert store.list_objects(secrets, None) == []
    assert store.get_object(secrets, "shop", "db-password") is None


def test_server_version_comes_from_the_kubelet() -> None:
    assert ObjectStore(cluster_objects()).server_version() == "v1.29.4"
    assert ObjectStore([]).server_version().startswith("v1.")
