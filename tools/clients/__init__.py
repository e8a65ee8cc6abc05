"""Narrow read-only clients, one per backend, each exposing read methods and nothing else."""

from .alertmanager import AlertmanagerReader
from .backends import Backends
from .connection import Connection
from .http import Fetched
from .kubernetes import KubeReader
from .loki import LokiReader
from .prometheus import PrometheusReader
from .readonly import ReadOnlyViolation
from .tempo import TempoReader

__all__ = [
    "AlertmanagerReader",
    "Backends",
    "Connection",
    "Fetched",
    "KubeReader",
    "LokiReader",
    "PrometheusReader",
    "ReadOnlyViolation",
    "TempoReader",
]
