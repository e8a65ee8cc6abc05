"""Keep the Anthropic SDK's own spans out of our traces.

The SDK traces every ``messages.create`` itself (span ``anthropic.messages.create``) into the
global tracer provider, or into one given in its ``open_telemetry`` option. Our ``TracedBrain``
already makes the convention's ``chat <model>`` span for each model call, so the SDK's would be
a second chat span per call; with our spans as its parent it would also send their trace
context to the API. Its tracing is therefore switched off on the client the Claude brain uses.
"""

from __future__ import annotations

import anthropic


def without_sdk_spans(client: anthropic.Anthropic) -> anthropic.Anthropic:
    """A copy of ``client`` (same transport, retries and key) that makes no spans."""
    return client.with_options(open_telemetry=False)
