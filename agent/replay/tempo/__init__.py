"""Tempo replay server: recorded OTLP traces served through Tempo's query API and TraceQL."""

from agent.replay.tempo.app import create_app

__all__ = ["create_app"]
