"""A Loki replay server: Loki's HTTP API and a LogQL engine over recorded log lines."""

from agent.replay.loki.app import create_app

__all__ = ["create_app"]
