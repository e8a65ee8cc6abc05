"""The executor must not authenticate as the investigator, whatever file its kubeconfig is in."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.errors import ConfigError
from agent.remediation import check_separate_credentials


def _jwt(subject: str, nonce: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'sub': subject, 'jti': nonce})}.c2ln"


def _kubeconfig(path: Path, user: dict[str, Any], *, context: str = "main") -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "prod", "cluster": {"server": "https://10.0.0.1:6443"}}],
        "users": [{"name": f"{context}-user", "user": user}],
        "contexts": [{"name": context, "context": {"cluster": "prod", "user": f"{context}-user"}}],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


INVESTIGATOR_TOKEN = _jwt("system:serviceaccount:agent:incident-agent", "a")
WRITER_TOKEN = _jwt("system:serviceaccount:agent:incident-agent-executor", "b")


@pytest.fixture
def investigator(tmp_path: Path) -> Path:
    return _kubeconfig(tmp_path / "investigator.yaml", {"token": INVESTIGATOR_TOKEN})


def test_a_copy_of_the_investigators_kubeconfig_is_refused(
    investigator: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "elsewhere" / "executor.yaml"
    copy.parent.mkdir()
    copy.write_bytes(investigator.read_bytes())
    with pytest.raises(ConfigError, match="authenticates as the investigator"):
        check_separate_credentials(copy, str(investigator))


def test_another_token_of_the_same_service_account_is_refused(
    investigator: Path, tmp_path: Path
) -> None:
    fresh = _jwt("system:serviceaccount:agent:incident-agent", "a-newer-token")
    executor = _kubeconfig(tmp_path / "executor.yaml", {"token": fresh}, context="writer")
    with pytest.raises(ConfigError, match=r"same user"):
        check_separate_credentials(executor, f"/nonexistent:{investigator}")


def test_the_same_client_certificate_from_a_file_is_refused(tmp_path: Path) -> None:
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB-investigator\n-----END CERTIFICATE-----\n"
    (tmp_path / "client.crt").write_bytes(pem)
    inline = {"client-certificate-data": base64.b64encode(pem).decode(), "client-key-data": "a2V5"}
    investigator = _kubeconfig(tmp_path / "investigator.yaml", inline)
    executor = _kubeconfig(
        tmp_path / "executor.yaml", {"client-certificate": "client.crt", "client-key": "k"}
    )
    with pytest.raises(ConfigError, match="same cert"):
        check_separate_credentials(executor, str(investigator))


def test_the_same_exec_plugin_is_refused(tmp_path: Path) -> None:
    plugin = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "aws",
                       "args": ["eks", "get-token", "--cluster-name", "prod"]}}  # fmt: skip
    investigator = _kubeconfig(tmp_path / "investigator.yaml", plugin)
    executor = _kubeconfig(tmp_path / "executor.yaml", plugin, context="other")
    with pytest.raises(ConfigError, match="same exec"):
        check_separate_credentials(executor, str(investigator))


def test_the_in_cluster_service_account_token_is_compared_without_a_kubeconfig(
    tmp_path: Path,
) -> None:
    mounted = tmp_path / "token"
    mounted.write_text(INVESTIGATOR_TOKEN, encoding="utf-8")
    executor = _kubeconfig(tmp_path / "executor.yaml", {"token": INVESTIGATOR_TOKEN})
    with pytest.raises(ConfigError, match="authenticates as the investigator"):
        check_separate_credentials(executor, None, in_cluster_token=mounted)


def test_separate_credentials_pass(investigator: Path, tmp_path: Path) -> None:
    executor = _kubeconfig(tmp_path / "executor.yaml", {"token": WRITER_TOKEN}, context="writer")
    check_separate_credentials(executor, str(investigator), executor_context="writer")


def test_the_executors_chosen_context_is_the_one_compared(
    investigator: Path, tmp_path: Path
) -> None:
    document = yaml.safe_load(investigator.read_text(encoding="utf-8"))
    document["users"].append({"name": "writer", "user": {"token": WRITER_TOKEN}})
    document["contexts"].append(
        {"name": "writer", "context": {"cluster": "prod", "user": "writer"}}
    )
    both = tmp_path / "both.yaml"
    both.write_text(yaml.safe_dump(document), encoding="utf-8")
    check_separate_credentials(both, str(investigator), executor_context="writer")
    with pytest.raises(ConfigError, match="authenticates as the investigator"):
        check_separate_credentials(both, str(investigator))  # current-context: the investigator's
    with pytest.raises(ConfigError, match="no context 'nope'"):
        check_separate_credentials(both, str(investigator), executor_context="nope")
