"""Fixtures: the recorded cluster of ``k8s_cluster`` served on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from k8s_cluster import NOW, cluster_objects, pod_logs

from agent.replay.http import LoopbackServers
from agent.replay.kubernetes import create_app, write_kubeconfig


@pytest.fixture(scope="module")
def k8s_url() -> Iterator[str]:
    app = create_app(cluster_objects(), pod_logs(), NOW)
    with LoopbackServers({"k8s": app}) as servers:
        yield servers.urls["k8s"]


@pytest.fixture(scope="module")
def kubeconfig(k8s_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kube") / "kubeconfig"
    return write_kubeconfig(path, k8s_url, namespace="shop")
