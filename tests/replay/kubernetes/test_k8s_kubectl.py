"""``kubectl get/describe/logs`` against the replay API server."""

from __future__ import annotations

from pathlib import Path

from k8s_cluster import CRASHING_POD, HEALTHY_POD, kubectl, needs_kubectl

pytestmark = needs_kubectl


def _ok(kubeconfig: Path, *args: str) -> str:
    result = kubectl(kubeconfig, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_get(kubeconfig: Path) -> None:
    pods = _ok(kubeconfig, "get", "pods")  # the context's namespace is shop
    assert HEALTHY_POD in pods and "ledger-0" not in pods
    crashing = next(line for line in pods.splitlines() if line.startswith(CRASHING_POD))
    # Server-side Table: kubectl's columns, ages counted from the recorded moment.
    assert crashing.split() == [CRASHING_POD, "1/2", "CrashLoopBackOff", "7", "(5m", "ago)", "3d"]
    events = _ok(kubeconfig, "get", "events")
    assert events.split()[:5] == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT"]
    assert "60s" in events and f"pod/{CRASHING_POD}" in events
    everywhere = _ok(kubeconfig, "get", "po", "-A", "-l", "app=ledger")
    assert "payments" in everywhere and "ledger-0" in everywhere
    assert "checkout-7b9c5d" in _ok(kubeconfig, "get", "deploy,rs", "-n", "shop")
    assert "node-a" in _ok(kubeconfig, "get", "nodes")
    image = _ok(
        kubeconfig,
        "get",
        "deployment",
        "checkout",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )
    assert image == "shop/checkout:1.5.0"


def test_describe_shows_state_and_events(kubeconfig: Path) -> None:
    described = _ok(kubeconfig, "describe", "pod", CRASHING_POD)
    assert "CrashLoopBackOff" in described
    assert "OOMKilled" in described
    assert "Back-off restarting failed container checkout" in described
    deployment = _ok(kubeconfig, "describe", "deployment", "checkout")
    assert "ProgressDeadlineExceeded" in deployment
    assert "NewReplicaSet:   checkout-7b9c5d" in deployment


def test_logs(kubeconfig: Path) -> None:
    logs = _ok(kubeconfig, "logs", CRASHING_POD, "-c", "checkout", "--tail", "2")
    assert logs == "cache warm-up: 412MB\ncache warm-up: 498MB\n"
    previous = _ok(kubeconfig, "logs", CRASHING_POD, "-c", "checkout", "--previous")
    assert previous.splitlines()[-1] == "loading catalogue into memory"


def test_secrets_and_writes_are_refused(kubeconfig: Path) -> None:
    secrets = kubectl(kubeconfig, "get", "secrets")
    assert secrets.returncode != 0
    assert "Forbidden" in secrets.stderr and "cannot list resource" in secrets.stderr
    scaled = kubectl(kubeconfig, "scale", "deployment", "checkout", "--replicas=0")
    assert scaled.returncode != 0
    deleted = kubectl(kubeconfig, "delete", "pod", CRASHING_POD, "--wait=false")
    assert deleted.returncode != 0 and "read-only" in deleted.stderr
