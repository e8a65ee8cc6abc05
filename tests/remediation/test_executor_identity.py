"""The executor must not authenticate as the investigator, whatever file its kubeconfig is in."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.config.backends import BackendSettings
from agent.config.server import ServerSettings
from agent.config.settings import Settings
from agent.errors import ConfigError
from agent.remediation import check_separate_credentials
from agent.server.build import executor_factory


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


def _with_context(source: Path, path: Path, name: str, token: str) -> Path:
    """A copy of kubeconfig ``source`` with one more context ``name`` (not the current one)."""
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    document["users"].append({"name": name, "user": {"token": token}})
    document["contexts"].append({"name": name, "context": {"cluster": "prod", "user": name}})
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_executors_chosen_context_is_the_one_compared(
    investigator: Path, tmp_path: Path
) -> None:
    both = _with_context(investigator, tmp_path / "both.yaml", "writer", WRITER_TOKEN)
    check_separate_credentials(both, str(investigator), executor_context="writer")
    with pytest.raises(ConfigError, match="authenticates as the investigator"):
        check_separate_credentials(both, str(investigator))  # current-context: the investigator's
    with pytest.raises(ConfigError, match="no context 'nope'"):
        check_separate_credentials(both, str(investigator), executor_context="nope")


def test_the_server_compares_the_contexts_its_configuration_names(
    investigator: Path, tmp_path: Path
) -> None:
    def server(executor: Path, executor_context: str | None, kube_context: str | None) -> Settings:
        return Settings(
            backends=BackendSettings(kubeconfig=str(investigator), kube_context=kube_context),
            server=ServerSettings(executor_kubeconfig=executor, executor_context=executor_context),
        )

    # The executor's current context is its own; the context configured for it is not.
    writer = _kubeconfig(tmp_path / "writer.yaml", {"token": WRITER_TOKEN}, context="writer")
    borrowed = _with_context(writer, tmp_path / "borrowed.yaml", "reader", INVESTIGATOR_TOKEN)
    assert executor_factory(server(borrowed, None, None)) is not None
    with pytest.raises(ConfigError, match="authenticates as the investigator"):
        executor_factory(server(borrowed, "reader", None))
    # The investigator reads through the context configured for it, not its current one.
    _with_context(investigator, investigator, "reads-as-writer", WRITER_TOKEN)
    assert executor_factory(server(writer, None, None)) is not None
    with pytest.raises(ConfigError, match="authenticates as the investigator"):
        executor_factory(server(writer, None, "reads-as-writer"))
