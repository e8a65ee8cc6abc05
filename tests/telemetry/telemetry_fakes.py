"""Span capture, an alert and a policy-aware fake tool runner for the telemetry tests."""

from __future__ import annotations

from typing import Any

from loop_fakes import ALERT, NOW, deps
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent.bundle.model import Catalog
from agent.investigation.brain import Brain, ToolRequest
from agent.investigation.budget import Budget
from agent.investigation.loop import InvestigationDeps
from agent.investigation.state import CallRecord
from policies.decision import CallCounts

__all__ = ["ALERT", "NOW", "Capture", "Collector", "PolicyTools", "make_deps"]

# Distinctive text that must never reach a span (tool output, arguments).
SECRET_OUTPUT = "NullPointerException at TaxResolver.resolve token=hunter2"
SECRET_ARG = '{app="checkout"} |= "hunter2"'


class Capture:
    """A private provider whose finished spans are kept in memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer: Tracer = self.provider.get_tracer("test")

    def spans(self, prefix: str = "") -> list[ReadableSpan]:
        return [s for s in self.exporter.get_finished_spans() if s.name.startswith(prefix)]

    def one(self, prefix: str) -> ReadableSpan:
        found = self.spans(prefix)
        assert len(found) == 1, [s.name for s in self.exporter.get_finished_spans()]
        return found[0]


class PolicyTools:
    """Runs every call; ``denied`` names tools the policy refuses, ``broken`` ones that fail."""

    def __init__(
        self, denied: frozenset[str] = frozenset(), broken: frozenset[str] = frozenset()
    ) -> None:
        self.denied = denied
        self.broken = broken
        self.batches: list[list[ToolRequest]] = []

    def schemas(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "description": n, "input_schema": {"type": "object"}}
            for n in ("query_logs", "deployment_history", "get_secret")
        ]

    def run(self, calls: list[ToolRequest], allowed: CallCounts) -> list[CallRecord]:
        self.batches.append(calls)
        return [self._record(call) for call in calls]

    def _record(self, call: ToolRequest) -> CallRecord:
        base = {"id": call.id, "name": call.name, "arguments": call.arguments}
        if call.name in self.denied:
            return CallRecord(
                **base,
                status="denied",
                output="tool.not_allowed: refused",
                rule="tool.not_allowed",
                is_error=True,
            )
        if call.name in self.broken:
            return CallRecord(
                **base,
                status="error",
                output="Loki unreachable",
                gap="Loki unreachable: logs missing",
                rule=f"tools.{call.name}",
                is_error=True,
            )
        return CallRecord(**base, output=SECRET_OUTPUT, rule=f"tools.{call.name}")


def make_deps(brain: Brain, tools: PolicyTools, budget: Budget | None = None) -> InvestigationDeps:
    return deps(brain, tools, budget, catalog=Catalog())


class Collector:
    """An OTLP/HTTP traces receiver that keeps what it is sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], ExportTraceServiceRequest]] = []
        self.app = Starlette(routes=[Route("/v1/traces", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        body = ExportTraceServiceRequest()
        body.ParseFromString(await request.body())
        self.requests.append((dict(request.headers), body))
        return Response(b"", media_type="application/x-protobuf")
