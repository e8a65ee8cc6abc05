"""The ``invoke_agent incident-investigator`` span around one investigation.

``instrument`` wraps the brain and the tool runner of an investigation's deps (``prepare``
does it when given a tracer); ``traced_investigate`` runs ``investigate`` inside the agent
span, so the chat and tool spans become its children.
"""

from __future__ import annotations

import dataclasses

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue

from agent.alerts.model import Alert
from agent.investigation.loop import InvestigationDeps, investigate, new_state
from agent.investigation.state import InvestigationState
from agent.report.model import Report

from . import attributes as attr
from .brain import TracedBrain, provider_and_model, usage_attributes
from .tools import TracedToolRunner


def instrument(deps: InvestigationDeps, tracer: Tracer) -> InvestigationDeps:
    """``deps`` with its brain and tool runner traced (unchanged if they already are)."""
    brain = deps.brain if isinstance(deps.brain, TracedBrain) else TracedBrain(deps.brain, tracer)
    tools = (
        deps.tools
        if isinstance(deps.tools, TracedToolRunner)
        else TracedToolRunner(deps.tools, tracer)
    )
    return dataclasses.replace(deps, brain=brain, tools=tools)


def traced_investigate(
    alert: Alert,
    deps: InvestigationDeps,
    state: InvestigationState | None = None,
    tracer: Tracer | None = None,
) -> Report:
    """``investigate`` inside an ``invoke_agent`` span; plain ``investigate`` without a tracer.

    The span carries the investigation id as the conversation id, the alert, and at the end
    the report's status with the steps, tool calls, tokens and cost spent.
    """
    if tracer is None:
        return investigate(alert, deps, state)
    # Created here rather than in ``investigate`` so the span knows the investigation id.
    state = state or new_state(alert, deps.brain, deps.wall_clock())
    provider, model = provider_and_model(deps.brain.name)
    alert_name = alert.labels.get("alertname", "")
    if deps.redact is not None:
        alert_name = deps.redact(alert_name)
    with tracer.start_as_current_span(
        f"{attr.OP_INVOKE_AGENT} {attr.AGENT_NAME}",
        kind=SpanKind.INTERNAL,
        attributes={
            attr.OPERATION_NAME: attr.OP_INVOKE_AGENT,
            attr.AGENT_NAME_ATTR: attr.AGENT_NAME,
            attr.CONVERSATION_ID: state.id,
            attr.PROVIDER_NAME: provider,
            attr.REQUEST_MODEL: model,
            attr.ALERT_FINGERPRINT: alert.fingerprint,
            attr.ALERT_NAME: alert_name,
        },
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            report = investigate(alert, deps, state)
        except Exception as exc:
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute(attr.ERROR_TYPE, type(exc).__name__)
            raise
        span.set_attributes(_outcome(report, state))
        if report.status == "failed":
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute(attr.ERROR_TYPE, "investigation_failed")
        return report


def _outcome(report: Report, state: InvestigationState) -> dict[str, AttributeValue]:
    usage = state.usage
    return {
        **usage_attributes(usage),
        attr.INVESTIGATION_STATUS: report.status,
        attr.INVESTIGATION_STEPS: usage.steps,
        attr.INVESTIGATION_TOOL_CALLS: usage.tool_calls,
    }
