"""The list of every investigation tool."""

from __future__ import annotations

from .alert import AlertContextInput, alert_context
from .base import Tool
from .events import EventsInput, k8s_events
from .localize import RankInput, rank_components
from .log_labels import LogLabelsInput, log_labels
from .logs import LogsQuery, query_logs
from .metrics import ListMetricsInput, MetricsQuery, list_metrics, query_metrics
from .pods import PodStatusInput, pod_status
from .rollouts import HistoryInput, deployment_history
from .traces import GraphInput, TraceInput, service_graph, trace_lookup


def all_tools() -> list[Tool]:
    """Every tool, in a stable order (the alert first: investigations start there)."""
    return [
        Tool(
            name="alert_context",
            input_model=AlertContextInput,
            func=alert_context,
            needs_backend=False,
        ),
        Tool(name="rank_components", input_model=RankInput, func=rank_components),
        Tool(name="query_metrics", input_model=MetricsQuery, func=query_metrics),
        Tool(name="list_metrics", input_model=ListMetricsInput, func=list_metrics),
        Tool(name="log_labels", input_model=LogLabelsInput, func=log_labels),
        Tool(name="query_logs", input_model=LogsQuery, func=query_logs),
        Tool(name="pod_status", input_model=PodStatusInput, func=pod_status),
        Tool(name="deployment_history", input_model=HistoryInput, func=deployment_history),
        Tool(name="k8s_events", input_model=EventsInput, func=k8s_events),
        Tool(name="trace_lookup", input_model=TraceInput, func=trace_lookup),
        Tool(name="service_graph", input_model=GraphInput, func=service_graph),
    ]
