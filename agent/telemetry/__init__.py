"""OpenTelemetry traces of the agent's own work, following the GenAI semantic conventions.

One ``invoke_agent incident-investigator`` span per investigation, with a ``chat <model>``
span per model call and an ``execute_tool <name>`` span per backend tool call as its
children. Spans carry metadata only (models, tokens, cost, tool names, policy decisions,
statuses, sizes), never message content, tool arguments or tool output.
"""

from .agent import instrument, traced_investigate
from .brain import TracedBrain, provider_and_model
from .export import Tracing, build_tracing, tracing
from .sdk import without_sdk_spans
from .tools import TracedToolRunner, policy_decision

__all__ = [
    "TracedBrain",
    "TracedToolRunner",
    "Tracing",
    "build_tracing",
    "instrument",
    "policy_decision",
    "provider_and_model",
    "traced_investigate",
    "tracing",
    "without_sdk_spans",
]
