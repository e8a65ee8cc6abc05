"""Span names and attribute keys: the OpenTelemetry GenAI conventions plus our own.

The conventions' Python constants (``opentelemetry.semconv._incubating``) are deprecated and
still spell ``cache_creation`` for what the conventions now call ``cache_write``, so the keys
are written out here. ``gen_ai.*`` and ``error.type`` follow the conventions (status:
Development); ``incident.*`` and ``agent.*`` are this project's own.

Provider convention: ``gen_ai.provider.name`` is ``anthropic`` for the Claude brain; the local
brains (``offline``, ``scripted``) report their own name as provider and model, since no model
is involved and the conventions allow values outside their list.
"""

from __future__ import annotations

from typing import Final

AGENT_NAME: Final = "incident-investigator"

# Operation names (also the first word of each span name).
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_CHAT: Final = "chat"
OP_EXECUTE_TOOL: Final = "execute_tool"

# GenAI semantic conventions.
OPERATION_NAME: Final = "gen_ai.operation.name"
PROVIDER_NAME: Final = "gen_ai.provider.name"
AGENT_NAME_ATTR: Final = "gen_ai.agent.name"
CONVERSATION_ID: Final = "gen_ai.conversation.id"
REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
USAGE_CACHE_READ: Final = "gen_ai.usage.cache_read.input_tokens"
USAGE_CACHE_WRITE: Final = "gen_ai.usage.cache_write.input_tokens"
TOOL_NAME: Final = "gen_ai.tool.name"
TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
TOOL_TYPE: Final = "gen_ai.tool.type"
ERROR_TYPE: Final = "error.type"

# The alert under investigation.
ALERT_FINGERPRINT: Final = "incident.alert.fingerprint"
ALERT_NAME: Final = "incident.alert.name"

# The investigation as a whole (on the invoke_agent span).
INVESTIGATION_STATUS: Final = "agent.investigation.status"
INVESTIGATION_STEPS: Final = "agent.investigation.steps"
INVESTIGATION_TOOL_CALLS: Final = "agent.investigation.tool_calls"
USAGE_COST_USD: Final = "agent.usage.cost_usd"

# One model call (on the chat span).
TURN_KIND: Final = "agent.turn.kind"  # "next" or "final" (forced to submit the report)
TURN_CALLS: Final = "agent.turn.tool_calls"  # calls the model asked for, ledger ones included

# One tool call (on the execute_tool span).
POLICY_DECISION: Final = "agent.policy.decision"
POLICY_RULE: Final = "agent.policy.rule"
TOOL_STATUS: Final = "agent.tool.status"
TOOL_RESULT_CHARS: Final = "agent.tool.result_chars"
