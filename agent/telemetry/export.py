"""Where the agent's spans go: a private tracer provider built from ``TelemetrySettings``.

Library code never sets the global tracer provider (it can be set only once per process, and
the application embedding the agent may own it): the provider built here is handed to our
wrappers through its tracer. ``none`` builds nothing and yields no tracer, so an untraced run
pays nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import Tracer

from agent.config.settings import TelemetrySettings

INSTRUMENTATION_SCOPE = "incident_agent"


@dataclass(frozen=True, slots=True)
class Tracing:
    """A tracer for our wrappers and the provider behind it (both ``None`` when disabled)."""

    tracer: Tracer | None
    provider: TracerProvider | None

    def shutdown(self) -> None:
        """Export what is still buffered and stop the exporter."""
        if self.provider is not None:
            self.provider.shutdown()


def span_processor(settings: TelemetrySettings, console: TextIO) -> SpanProcessor | None:
    """The processor and exporter the settings choose; ``None`` for ``exporter: none``."""
    if settings.exporter == "console":
        # Spans print as they end; on stderr, so that stdout stays the report alone.
        return SimpleSpanProcessor(ConsoleSpanExporter(out=console))
    if settings.exporter == "otlp":
        # Imported here: only an OTLP run needs the exporter (and its protobuf stack).
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(
            endpoint=settings.otlp_endpoint,
            headers=settings.otlp_headers,
            timeout=settings.otlp_timeout_seconds,
        )
        # Batched off the investigation's thread: a slow collector must not slow the agent.
        return BatchSpanProcessor(exporter)
    return None


def build_tracing(settings: TelemetrySettings, console: TextIO | None = None) -> Tracing:
    """A private provider with the configured exporter, or a disabled ``Tracing``."""
    processor = span_processor(settings, console or sys.stderr)
    if processor is None:
        return Tracing(tracer=None, provider=None)
    # An explicit resource and sampler: the defaults would read OTEL_* variables, and only
    # ``agent.config`` reads the environment.
    provider = TracerProvider(
        resource=Resource({"service.name": settings.service_name}),
        sampler=ALWAYS_ON,
    )
    provider.add_span_processor(processor)
    return Tracing(tracer=provider.get_tracer(INSTRUMENTATION_SCOPE), provider=provider)


@contextmanager
def tracing(settings: TelemetrySettings, console: TextIO | None = None) -> Iterator[Tracing]:
    """``build_tracing`` for the length of a ``with`` block, flushed and shut down after it."""
    built = build_tracing(settings, console)
    try:
        yield built
    finally:
        built.shutdown()
