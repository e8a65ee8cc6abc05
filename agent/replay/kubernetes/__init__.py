"""A read-only Kubernetes API server that replays a recorded snapshot.

``create_app`` builds the ASGI app (serve it with ``agent.replay.http.LoopbackServers``);
``write_kubeconfig`` points the Python client and ``kubectl`` at it.
"""

from agent.replay.kubernetes.app import create_app
from agent.replay.kubernetes.kubeconfig import write_kubeconfig
from agent.replay.kubernetes.writes import RecordedWrite

__all__ = ["RecordedWrite", "create_app", "write_kubeconfig"]
