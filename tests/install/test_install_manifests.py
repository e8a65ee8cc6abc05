"""The Kubernetes install: rendered by ``kubectl kustomize``, valid against the API schemas,
and a reader role that grants exactly what the tools use — derived from their client code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUSTOMIZATION = ROOT / "policies" / "kubernetes"
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "escalate", "bind",
               "impersonate", "approve", "sign", "*"}  # fmt: skip
FORBIDDEN_RESOURCES = {"secrets", "pods/exec", "pods/attach", "pods/portforward", "pods/proxy",
                       "services/proxy", "nodes/proxy", "*"}  # fmt: skip
# Custom resources the Kubernetes schemas do not cover, with the fields they must have.
CUSTOM = {("monitoring.coreos.com/v1", "ServiceMonitor"): ("selector", "endpoints")}
K8S_VERSION = "1.30.0"  # the oldest release still commonly supported by managed clusters


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not installed (make system-deps installs kubernetes-client)")
    return found


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    out = subprocess.run([kubectl(), "kustomize", str(KUSTOMIZATION)], check=True,
                         capture_output=True, text=True, timeout=120).stdout  # fmt: skip
    return [d for d in yaml.safe_load_all(out) if d]


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def test_every_object_validates_against_the_kubernetes_schemas(
    rendered: list[dict[str, Any]],
) -> None:
    kinds = {d["kind"] for d in rendered}
    assert {"Deployment", "Service", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
            "NetworkPolicy", "ServiceMonitor", "PersistentVolumeClaim"} <= kinds  # fmt: skip
    for doc in rendered:
        custom = CUSTOM.get((doc["apiVersion"], doc["kind"]))
        if custom is not None:
            assert all(field in doc["spec"] for field in custom), doc
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def _client_permissions() -> set[tuple[str, str, str]]:
    """(apiGroup, resource, verb) for every API call in the investigator's Kubernetes client."""
    source = (ROOT / "tools" / "clients" / "kubernetes.py").read_text()
    groups = {"_core": "", "_apps": "apps"}
    found = set()
    for api, method in re.findall(r"self\.(_core|_apps)\.(\w+)", source):
        verb, _, rest = method.partition("_")
        resource, log, _ = rest.removeprefix("namespaced_").partition("_log")
        plural = resource.replace("_", "") + "s" + ("/log" if log else "")
        found.add((groups[api], plural, {"list": "list", "read": "get"}[verb]))
    return found


def _granted(role: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule.get("verbs", [])
    }


def test_reader_role_grants_exactly_what_the_tools_use(rendered: list[dict[str, Any]]) -> None:
    (reader,) = [
        r
        for r in by_kind(rendered, "ClusterRole")
        if r["metadata"]["name"] == "incident-agent-reader"
    ]
    granted, needed = _granted(reader), _client_permissions()
    assert ("", "pods/log", "get") in needed and ("apps", "deployments", "list") in needed
    assert needed <= granted, f"missing: {sorted(needed - granted)}"
    assert granted <= needed, f"more than the tools use: {sorted(granted - needed)}"
    assert not {v for _, _, v in granted} & WRITE_VERBS
    assert not {r for _, r, _ in granted} & FORBIDDEN_RESOURCES
    assert all("nonResourceURLs" not in rule for rule in reader["rules"])


def test_executor_is_a_separate_identity_limited_to_deployments(
    rendered: list[dict[str, Any]],
) -> None:
    (executor,) = [
        r
        for r in by_kind(rendered, "ClusterRole")
        if r["metadata"]["name"] == "incident-agent-executor"
    ]
    assert {r for _, r, _ in _granted(executor)} <= {
        "deployments",
        "deployments/scale",
        "replicasets",
    }
    binding = by_kind(rendered, "RoleBinding")[0]  # namespaced, never cluster-wide
    assert binding["subjects"][0]["name"] == "incident-agent-executor"
    assert not any(b["roleRef"]["name"] == "incident-agent-executor"
                   for b in by_kind(rendered, "ClusterRoleBinding"))  # fmt: skip
    (deployment,) = by_kind(rendered, "Deployment")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "incident-agent"


def test_deployment_is_hardened_and_probed(rendered: list[dict[str, Any]]) -> None:
    (deployment,) = by_kind(rendered, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"]["drop"] == [
        "ALL"
    ]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    assert {"incident-agent-config", "incident-agent-executor-kubeconfig"} <= secrets
    # The generated kubeconfig ConfigMap is referenced under its hashed name.
    (config_map,) = by_kind(rendered, "ConfigMap")
    names = {v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v}
    assert config_map["metadata"]["name"] in names
    kubeconfig = yaml.safe_load(config_map["data"]["kubeconfig"])
    assert kubeconfig["users"][0]["user"]["tokenFile"].endswith("/token")


def test_network_policy_limits_egress(rendered: list[dict[str, Any]]) -> None:
    (policy,) = by_kind(rendered, "NetworkPolicy")
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert 53 in ports and 443 in ports and 80 not in ports


def test_dockerfile_is_non_root_without_prometheus() -> None:
    text = (ROOT / "Dockerfile").read_text()
    runtime = text.split("FROM ")[-1]  # the last stage is what runs
    assert re.search(r"^USER 10001", runtime, re.MULTILINE)
    assert "prometheus" not in runtime.lower().replace("prometheus-api-client", "")
    assert 'ENTRYPOINT ["agent"]' in runtime
