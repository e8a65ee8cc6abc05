"""Kubernetes reader: list/read the objects an investigation needs, and pod logs. Nothing else.

There is deliberately no method for secrets, exec, attach, port-forward, proxy or any write.
Responses are read raw (``_preload_content=False``) and parsed as JSON: the tools work on
API-shaped camelCase dicts, and the raw size is exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from agent.errors import BackendQueryError, BackendUnavailable, ConfigError

from .http import error_message
from .readonly import ReadOnlyApiClient


class KubeReader:
    """Read-only Kubernetes client built from a kubeconfig file (no global configuration)."""

    def __init__(self, api_client: ReadOnlyApiClient, *, timeout: float = 30.0) -> None:
        self._api = api_client
        self._core = k8s.CoreV1Api(api_client)
        self._apps = k8s.AppsV1Api(api_client)
        self._timeout = timeout
        self.url: str = api_client.configuration.host
        self.raw_bytes = 0  # running total of response bytes, for the raw-vs-summary ratio

    @classmethod
    def from_kubeconfig(
        cls, path: str | Path, *, context: str | None = None, timeout: float = 30.0
    ) -> KubeReader:
        """Build a reader from a kubeconfig file.

        Raises:
            ConfigError: the kubeconfig cannot be loaded.
        """
        configuration = k8s.Configuration()
        try:
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=str(path),
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
        except (OSError, k8s_config.ConfigException, ValueError) as exc:
            raise ConfigError(f"cannot load kubeconfig {path}: {exc}") from exc
        return cls(ReadOnlyApiClient(configuration), timeout=timeout)

    def _read(self, what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> bytes:
        try:
            response = call(*args, _preload_content=False, _request_timeout=self._timeout, **kwargs)
        except ApiException as exc:
            body = exc.body.decode() if isinstance(exc.body, bytes) else str(exc.body or "")
            raise BackendQueryError(
                f"Kubernetes rejected {what} (HTTP {exc.status}): {error_message(body) or exc.reason}"
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise BackendUnavailable(f"Kubernetes API unreachable at {self.url}: {exc}") from exc
        data: bytes = response.data
        self.raw_bytes += len(data)
        return data

    def _json(
        self, what: str, call: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        data = self._read(what, call, *args, **kwargs)
        try:
            document = json.loads(data)
        except ValueError as exc:
            raise BackendQueryError(f"Kubernetes returned invalid JSON for {what}") from exc
        if not isinstance(document, dict):
            raise BackendQueryError(f"Kubernetes returned a non-object for {what}")
        return document

    @staticmethod
    def _selectors(label_selector: str | None, field_selector: str | None) -> dict[str, str]:
        selectors = {}
        if label_selector:
            selectors["label_selector"] = label_selector
        if field_selector:
            selectors["field_selector"] = field_selector
        return selectors

    def list_pods(
        self, namespace: str, label_selector: str | None = None, field_selector: str | None = None
    ) -> dict[str, Any]:
        """A PodList."""
        return self._json(
            f"list pods in {namespace}",
            self._core.list_namespaced_pod,
            namespace,
            **self._selectors(label_selector, field_selector),
        )

    def read_deployment(self, namespace: str, name: str) -> dict[str, Any]:
        """One Deployment."""
        return self._json(
            f"get deployment {namespace}/{name}",
            self._apps.read_namespaced_deployment,
            name,
            namespace,
        )

    def read_statefulset(self, namespace: str, name: str) -> dict[str, Any]:
        """One StatefulSet."""
        return self._json(
            f"get statefulset {namespace}/{name}",
            self._apps.read_namespaced_stateful_set,
            name,
            namespace,
        )

    def read_daemonset(self, namespace: str, name: str) -> dict[str, Any]:
        """One DaemonSet."""
        return self._json(
            f"get daemonset {namespace}/{name}",
            self._apps.read_namespaced_daemon_set,
            name,
            namespace,
        )

    def list_deployments(self, namespace: str, label_selector: str | None = None) -> dict[str, Any]:
        """A DeploymentList."""
        return self._json(
            f"list deployments in {namespace}",
            self._apps.list_namespaced_deployment,
            namespace,
            **self._selectors(label_selector, None),
        )

    def list_replicasets(self, namespace: str, label_selector: str | None = None) -> dict[str, Any]:
        """A ReplicaSetList."""
        return self._json(
            f"list replicasets in {namespace}",
            self._apps.list_namespaced_replica_set,
            namespace,
            **self._selectors(label_selector, None),
        )

    def list_statefulsets(self, namespace: str) -> dict[str, Any]:
        """A StatefulSetList."""
        return self._json(
            f"list statefulsets in {namespace}", self._apps.list_namespaced_stateful_set, namespace
        )

    def list_daemonsets(self, namespace: str) -> dict[str, Any]:
        """A DaemonSetList."""
        return self._json(
            f"list daemonsets in {namespace}", self._apps.list_namespaced_daemon_set, namespace
        )

    def list_controller_revisions(self, namespace: str) -> dict[str, Any]:
        """A ControllerRevisionList (StatefulSet/DaemonSet rollout history)."""
        return self._json(
            f"list controllerrevisions in {namespace}",
            self._apps.list_namespaced_controller_revision,
            namespace,
        )

    def list_configmaps(self, namespace: str) -> dict[str, Any]:
        """A ConfigMapList with metadata and data; the calling tool decides what to expose."""
        return self._json(
            f"list configmaps in {namespace}", self._core.list_namespaced_config_map, namespace
        )

    def list_services(self, namespace: str) -> dict[str, Any]:
        """A ServiceList."""
        return self._json(
            f"list services in {namespace}", self._core.list_namespaced_service, namespace
        )

    def read_namespace(self, name: str) -> dict[str, Any]:
        """One Namespace."""
        return self._json(f"get namespace {name}", self._core.read_namespace, name)

    def list_nodes(self, label_selector: str | None = None) -> dict[str, Any]:
        """A NodeList."""
        return self._json(
            "list nodes", self._core.list_node, **self._selectors(label_selector, None)
        )

    def list_events(self, namespace: str, field_selector: str | None = None) -> dict[str, Any]:
        """A core/v1 EventList."""
        return self._json(
            f"list events in {namespace}",
            self._core.list_namespaced_event,
            namespace,
            **self._selectors(None, field_selector),
        )

    def read_pod_log(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        tail_lines: int | None = 200,
        since_seconds: int | None = None,
        previous: bool = False,
        limit_bytes: int | None = 65_536,
    ) -> str:
        """The (bounded) log text of one pod container."""
        options: dict[str, Any] = {"previous": previous, "timestamps": True}
        for key, value in (
            ("container", container),
            ("tail_lines", tail_lines),
            ("since_seconds", since_seconds),
            ("limit_bytes", limit_bytes),
        ):
            if value is not None:
                options[key] = value
        data = self._read(
            f"logs of pod {namespace}/{name}",
            self._core.read_namespaced_pod_log,
            name,
            namespace,
            **options,
        )
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Close the connection pool."""
        self._api.close()  # type: ignore[no-untyped-call]
