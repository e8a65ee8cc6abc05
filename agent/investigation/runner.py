"""Adapts the dispatch pipeline to the loop's ``ToolRunner``: outcomes become call records."""

from __future__ import annotations

from typing import Any

from agent.dispatch.pipeline import Dispatcher
from policies.decision import CallCounts, ToolCall
from tools.base import Registry

from .brain import ToolRequest
from .state import CallRecord


class DispatchRunner:
    """Runs backend tool calls through validate → policy → execute → redact → budget → audit."""

    def __init__(
        self, dispatcher: Dispatcher, registry_view: Registry, max_parallel: int = 4
    ) -> None:
        self._dispatcher = dispatcher
        self._registry = registry_view
        self._max_parallel = max_parallel

    def schemas(self) -> list[dict[str, Any]]:
        """Definitions of the tools the policy allows."""
        return self._registry.schemas()

    def run(self, calls: list[ToolRequest], allowed: CallCounts) -> list[CallRecord]:
        """Dispatch the calls (allowed ones in parallel) and record what the model sees."""
        outcomes = self._dispatcher.dispatch_many(
            [ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in calls],
            max_parallel=self._max_parallel,
            usage=allowed,
        )
        records = []
        for request, outcome in zip(calls, outcomes, strict=True):
            result = outcome.result
            records.append(
                CallRecord(
                    id=request.id,
                    name=request.name,
                    arguments=request.arguments,
                    status=result.status,
                    output=outcome.text,
                    request=result.request,
                    data=result.data,
                    gap=result.gap,
                    rule=outcome.decision.rule,
                    decision="allow" if outcome.decision.allowed else "deny",
                    duration_ms=round(outcome.duration_ms, 3),
                    raw_bytes=result.raw_bytes,
                    is_error=result.status in {"error", "denied"},
                )
            )
        return records
