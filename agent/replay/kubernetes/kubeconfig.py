"""A kubeconfig pointing clients at a replay API server."""

from __future__ import annotations

from pathlib import Path

import yaml

# Clients insist on some credential; the replay server ignores it.
_DUMMY_TOKEN = "replay-token-not-a-secret"
_NAME = "replay"


def write_kubeconfig(path: Path, server_url: str, namespace: str = "default") -> Path:
    """Write a kubeconfig with cluster, user and context ``replay`` for ``server_url``.

    The official Python client (``config.new_client_from_config(config_file=...)``) and
    ``kubectl --kubeconfig`` both accept it for a plain ``http://`` loopback URL.

    Args:
        path: Where to write the file (parent directories are created).
        server_url: The replay server's base URL, e.g. ``http://127.0.0.1:38211``.
        namespace: The context's default namespace.

    Returns:
        ``path``.
    """
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": _NAME, "cluster": {"server": server_url}}],
        "users": [{"name": _NAME, "user": {"token": _DUMMY_TOKEN}}],
        "contexts": [
            {
                "name": _NAME,
                "context": {"cluster": _NAME, "user": _NAME, "namespace": namespace},
            }
        ],
        "current-context": _NAME,
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
