"""The Claude brain through the real SDK and a mock transport: one chat span per model call."""

from __future__ import annotations

import anthropic
import httpx2
from anthropic_fakes import FakeMessagesAPI, error_body, message, ok, tool_use
from opentelemetry.trace import SpanKind, StatusCode
from telemetry_fakes import ALERT, Capture, PolicyTools, make_deps

from agent.brains.claude import ClaudeBrain
from agent.bundle.model import Catalog
from agent.config.settings import ModelSettings
from agent.investigation.setup import choose_brain
from agent.report.model import Report
from agent.telemetry import instrument, traced_investigate, without_sdk_spans

SUBMIT = {"summary": "payments revision 12 throws on every checkout", "confidence": 0.6}


def script() -> FakeMessagesAPI:
    return FakeMessagesAPI(
        [
            ok(
                message(
                    [
                        tool_use("toolu_1", "query_logs", {"query": '{app="payments"}'}),
                        tool_use("toolu_2", "deployment_history", {"name": "payments"}),
                    ],
                    input_tokens=1200,
                    output_tokens=180,
                    cache_read=800,
                    cache_write=400,
                )
            ),
            ok(
                message(
                    [tool_use("toolu_3", "submit_report", SUBMIT)],
                    input_tokens=90,
                    output_tokens=60,
                    cache_read=2400,
                )
            ),
        ]
    )


class Recorder:
    """Keeps the headers of each request, then lets the fake API answer it."""

    def __init__(self, api: FakeMessagesAPI) -> None:
        self.api = api
        self.headers: list[httpx2.Headers] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.headers.append(request.headers)
        return self.api.handler(request)


def traced_client(capture: Capture, recorder: Recorder) -> anthropic.Anthropic:
    """A client whose SDK spans would land in ``capture``: the worst case for duplicates."""
    return anthropic.Anthropic(
        api_key="sk-ant-test",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(recorder.handler)),
        open_telemetry={"tracer_provider": capture.provider},
    )


def investigate_with(client: anthropic.Anthropic, capture: Capture) -> Report:
    brain = ClaudeBrain(client, ModelSettings(), deadline=lambda: 1e9, sleep=lambda _: None)
    deps = instrument(make_deps(brain, PolicyTools()), capture.tracer)
    return traced_investigate(ALERT, deps, tracer=capture.tracer)


def test_one_chat_span_per_model_call_with_token_usage() -> None:
    capture, recorder = Capture(), Recorder(script())
    report = investigate_with(without_sdk_spans(traced_client(capture, recorder)), capture)

    assert report.status == "complete"
    assert len(recorder.api.requests) == 2
    names = sorted(s.name for s in capture.spans())
    assert names == [
        "chat claude-sonnet-5-5",
        "chat claude-sonnet-5-5",
        "execute_tool deployment_history",
        "execute_tool query_logs",
        "invoke_agent incident-investigator",
    ]
    first, second = (dict(s.attributes or {}) for s in capture.spans("chat "))
    assert first["gen_ai.provider.name"] == "anthropic"
    assert first["gen_ai.request.model"] == "claude-sonnet-5-5"
    assert first["gen_ai.usage.input_tokens"] == 1200 + 800 + 400
    assert first["gen_ai.usage.output_tokens"] == 180
    assert first["gen_ai.usage.cache_read.input_tokens"] == 800
    assert first["gen_ai.usage.cache_write.input_tokens"] == 400
    assert first["gen_ai.response.finish_reasons"] == ("tool_use",)
    assert second["gen_ai.usage.input_tokens"] == 90 + 2400
    assert second["gen_ai.usage.cache_write.input_tokens"] == 0
    # Input $2, output $10, writes 1.25x input, reads 0.1x input (per million tokens).
    expected = (1200 * 2 + 180 * 10 + 400 * 2.5 + 800 * 0.2) / 1e6
    assert first["agent.usage.cost_usd"] == round(expected, 6)
    agent = dict(capture.one("invoke_agent").attributes or {})
    assert agent["gen_ai.usage.input_tokens"] == 2400 + 2490
    assert agent["gen_ai.request.model"] == "claude-sonnet-5-5"
    # No trace context goes to the API either.
    assert all("traceparent" not in h for h in recorder.headers)


def test_the_sdk_would_duplicate_the_chat_span_if_left_on() -> None:
    # The control for the test above: the same client without without_sdk_spans.
    capture, recorder = Capture(), Recorder(script())
    investigate_with(traced_client(capture, recorder), capture)
    sdk = capture.spans("anthropic.messages.create")
    chats = capture.spans("chat ")
    assert len(sdk) == len(chats) == 2
    assert all(s.kind is SpanKind.CLIENT for s in sdk)
    assert [s.parent.span_id for s in sdk if s.parent] == [c.context.span_id for c in chats]
    assert all("traceparent" in h for h in recorder.headers)


def test_a_refused_request_is_an_error_on_the_chat_and_agent_spans() -> None:
    capture = Capture()
    api = FakeMessagesAPI([(400, error_body("invalid_request_error", "tools.0.name: bad"), {})])
    report = investigate_with(without_sdk_spans(api.client()), capture)
    assert report.status == "failed"
    chat = capture.one("chat ")
    assert chat.status.status_code is StatusCode.ERROR
    assert dict(chat.attributes or {})["error.type"] == "BrainRejected"
    agent = capture.one("invoke_agent")
    assert agent.status.status_code is StatusCode.ERROR
    assert dict(agent.attributes or {})["agent.investigation.status"] == "failed"


def test_choose_brain_builds_a_client_without_sdk_spans() -> None:
    brain = choose_brain(
        "claude", ModelSettings(api_key="sk-ant-test"), Catalog(), deadline=lambda: 0.0
    )
    assert isinstance(brain, ClaudeBrain)
    client = brain._client  # the wiring under test is private to the brain
    assert client.open_telemetry["traces"]["enabled"] is False
    assert client.max_retries == 0
