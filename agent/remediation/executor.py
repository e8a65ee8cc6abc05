"""The only code that writes to a cluster, with credentials separate from the investigator's.

``Executor`` exposes the reads the gate needs to check preconditions and the two writes the
catalogue needs (patch a Deployment, patch its scale), nothing else. Kubernetes client errors
are translated here into ``RemediationAborted``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from agent.errors import ConfigError, RemediationAborted
from agent.remediation.action import PlannedAction
from agent.remediation.identity import (
    IN_CLUSTER_TOKEN,
    investigator_fingerprints,
    kubeconfig_fingerprints,
)

_TIMEOUT_S = 15.0


def check_separate_credentials(
    executor_kubeconfig: Path,
    investigator_kubeconfig: str | None,
    *,
    executor_context: str | None = None,
    investigator_context: str | None = None,
    in_cluster_token: Path = IN_CLUSTER_TOKEN,
) -> None:
    """Refuse an executor that would authenticate as the investigator.

    ``investigator_kubeconfig`` may be a ``KUBECONFIG``-style list separated by ``:``; without
    one the investigator runs in-cluster as its pod's ServiceAccount (``in_cluster_token``).
    The identities compared are the credentials of each side's context (token or its
    ServiceAccount subject, client certificate, user name, exec plugin): a copy of the
    investigator's kubeconfig under another path is refused too.

    Raises:
        ConfigError: the same file, or the same identity.
    """
    executor = executor_kubeconfig.expanduser().resolve()
    for entry in (investigator_kubeconfig or "").split(":"):
        if entry and Path(entry).expanduser().resolve() == executor:
            raise ConfigError(
                f"--executor-kubeconfig {executor_kubeconfig} is the investigator's kubeconfig; "
                "the executor must use separate credentials with write access"
            )
    if not executor.is_file():
        return  # Executor.from_kubeconfig reports the missing file
    shared = kubeconfig_fingerprints([executor], executor_context) & investigator_fingerprints(
        investigator_kubeconfig, investigator_context, in_cluster_token
    )
    if shared:
        kinds = sorted({f.split(":", 1)[0] for f in shared})
        raise ConfigError(
            f"--executor-kubeconfig {executor_kubeconfig} authenticates as the investigator "
            f"(same {', '.join(kinds)}); the executor must use separate credentials with "
            "write access"
        )


class ClusterWriter(Protocol):
    """What the gate needs from the executor: two reads and the write."""

    def read_deployment(self, namespace: str, name: str) -> dict[str, Any]:
        """The live Deployment."""
        ...

    def list_replica_sets(
        self, namespace: str, match_labels: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """ReplicaSets in ``namespace`` carrying all of ``match_labels``."""
        ...

    def apply(self, action: PlannedAction) -> dict[str, Any]:
        """Send ``action``; ``RemediationAborted`` when the API refuses it."""
        ...


def _message(error: ApiException) -> str:
    try:
        return str(json.loads(error.body or "")["message"])
    except (ValueError, KeyError, TypeError):
        return str(error.reason or "")


class Executor:
    """Narrow write access to Deployments through the official Kubernetes client."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self._api_client = api_client
        self._apps = client.AppsV1Api(api_client)

    @classmethod
    def from_kubeconfig(cls, path: Path, context: str | None = None) -> Executor:
        """An executor using the credentials of ``path`` (and ``context``, if given).

        Raises:
            ConfigError: the file is missing or not a usable kubeconfig.
        """
        if not path.is_file():
            raise ConfigError(f"executor kubeconfig {path} does not exist")
        try:
            api_client = config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=str(path), context=context
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise ConfigError(f"executor kubeconfig {path} is not usable: {exc}") from exc
        return cls(api_client)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._api_client.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            response = call(*args, _preload_content=False, _request_timeout=_TIMEOUT_S, **kwargs)
        except ApiException as exc:
            raise RemediationAborted(
                f"the Kubernetes API refused to {what}: {exc.status} {_message(exc)}"
            ) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise RemediationAborted(f"cannot reach the Kubernetes API to {what}: {exc}") from exc
        # Raw JSON keeps the API's field names, which is what a patch must carry back.
        return json.loads(response.data)

    def read_deployment(self, namespace: str, name: str) -> dict[str, Any]:
        """The live Deployment."""
        result: dict[str, Any] = self._call(
            f"read Deployment {namespace}/{name}",
            self._apps.read_namespaced_deployment,
            name,
            namespace,
        )
        return result

    def list_replica_sets(
        self, namespace: str, match_labels: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """ReplicaSets in ``namespace`` carrying all of ``match_labels``."""
        selector = ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))
        result = self._call(
            f"list ReplicaSets in {namespace}",
            self._apps.list_namespaced_replica_set,
            namespace,
            label_selector=selector,
        )
        return list(result.get("items") or [])

    def apply(self, action: PlannedAction) -> dict[str, Any]:
        """Send ``action`` (a Deployment or Deployment-scale JSON patch); return the answer."""
        call = {
            None: self._apps.patch_namespaced_deployment,
            "scale": self._apps.patch_namespaced_deployment_scale,
        }.get(action.subresource)
        if call is None or action.method != "PATCH":
            raise RemediationAborted(f"the executor does not send {action.method} {action.path}")
        result: dict[str, Any] = self._call(
            f"patch {action.path}",
            call,
            action.name,
            action.namespace,
            action.body,
            dry_run=action.query.get("dryRun"),
            field_manager=action.query.get("fieldManager"),
            _content_type=action.content_type,
        )
        return result
