"""``TracedToolRunner``: one ``execute_tool <name>`` span (INTERNAL) per backend tool call.

The runner it wraps runs a turn's calls together (the allowed ones in parallel); each span
starts with the batch and lasts the call's own dispatch time when the runner reports it (the
whole batch otherwise).
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue

from agent.investigation.brain import ToolRequest
from agent.investigation.loop import ToolRunner
from agent.investigation.state import CallRecord
from policies.decision import CallCounts

from . import attributes as attr

# ``policies.check`` names the rule of every allowed call ``tools.<tool name>``; any other
# rule is a refusal (a policy denial, an unknown tool or invalid arguments).
_ALLOW_RULE_PREFIX = "tools."


def policy_decision(record: CallRecord) -> str | None:
    """``allow`` or ``deny`` as the policy decided the call; ``None`` when no rule was recorded."""
    if record.decision is not None:
        return record.decision
    if record.rule is None:
        return None
    return "allow" if record.rule == f"{_ALLOW_RULE_PREFIX}{record.name}" else "deny"


def _request_attributes(call: ToolRequest | CallRecord) -> dict[str, AttributeValue]:
    return {
        attr.OPERATION_NAME: attr.OP_EXECUTE_TOOL,
        attr.TOOL_NAME: call.name,
        attr.TOOL_CALL_ID: call.id,
        attr.TOOL_TYPE: "function",
    }


def call_attributes(record: CallRecord) -> dict[str, AttributeValue]:
    """Metadata of one tool call: never its arguments or its output, only the output's size."""
    attributes = _request_attributes(record)
    attributes[attr.TOOL_STATUS] = record.status
    attributes[attr.TOOL_RESULT_CHARS] = len(record.output)
    decision = policy_decision(record)
    if decision is not None and record.rule is not None:
        attributes[attr.POLICY_DECISION] = decision
        attributes[attr.POLICY_RULE] = record.rule
    return attributes


class TracedToolRunner:
    """A ``ToolRunner`` that traces each call run by the runner it wraps."""

    def __init__(self, inner: ToolRunner, tracer: Tracer) -> None:
        self.inner = inner
        self._tracer = tracer

    def schemas(self) -> list[dict[str, Any]]:
        """The wrapped runner's tool definitions."""
        return self.inner.schemas()

    def run(self, calls: list[ToolRequest], allowed: CallCounts) -> list[CallRecord]:
        """Run the calls with the wrapped runner, then record one span per call."""
        started = time.time_ns()
        try:
            records = self.inner.run(calls, allowed)
        except Exception as exc:
            window = (started, time.time_ns())
            for call in calls:
                self._span(call.name, _request_attributes(call), window, type(exc).__name__)
            raise
        finished = time.time_ns()
        for record in records:
            # A refused or failed call is an error as the model sees it (is_error).
            error_type = record.status if record.is_error else None
            own = started + int(record.duration_ms * 1_000_000) if record.duration_ms else finished
            window = (started, min(own, finished))
            self._span(record.name, call_attributes(record), window, error_type)
        return records

    def _span(
        self,
        tool: str,
        attributes: dict[str, AttributeValue],
        window: tuple[int, int],
        error_type: str | None,
    ) -> None:
        span = self._tracer.start_span(
            f"{attr.OP_EXECUTE_TOOL} {tool}",
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            start_time=window[0],
        )
        if error_type is not None:
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute(attr.ERROR_TYPE, error_type)
        span.end(end_time=window[1])
