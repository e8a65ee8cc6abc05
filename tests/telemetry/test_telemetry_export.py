"""Exporter selection from settings: none, console, and OTLP/HTTP to a loopback collector."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from telemetry_fakes import Collector

from agent.config.load import load_settings
from agent.config.settings import TelemetrySettings
from agent.errors import ConfigError
from agent.replay.http import LoopbackServers
from agent.telemetry import build_tracing, tracing


def test_none_builds_no_provider() -> None:
    built = build_tracing(TelemetrySettings())
    assert built.tracer is None and built.provider is None
    built.shutdown()  # harmless


def test_console_writes_each_span_as_it_ends() -> None:
    out = io.StringIO()
    settings = TelemetrySettings(exporter="console", service_name="agent-under-test")
    with tracing(settings, console=out) as built:
        assert built.tracer is not None
        with built.tracer.start_as_current_span("invoke_agent incident-investigator"):
            pass
        span = json.loads(out.getvalue())
    assert span["name"] == "invoke_agent incident-investigator"
    assert span["resource"]["attributes"]["service.name"] == "agent-under-test"


def test_otlp_exports_to_the_configured_endpoint_with_headers() -> None:
    collector = Collector()
    with LoopbackServers({"otlp": collector.app}) as servers:
        settings = TelemetrySettings(
            exporter="otlp",
            otlp_endpoint=f"{servers.urls['otlp']}/v1/traces",
            otlp_headers={"authorization": "Bearer collector-token"},
            otlp_timeout_seconds=5,
        )
        with tracing(settings) as built:
            assert built.tracer is not None
            with (
                built.tracer.start_as_current_span("invoke_agent incident-investigator"),
                built.tracer.start_as_current_span("chat offline"),
            ):
                pass
        # Leaving the block flushed the batch.
    assert len(collector.requests) == 1
    headers, body = collector.requests[0]
    assert headers["authorization"] == "Bearer collector-token"
    assert headers["content-type"] == "application/x-protobuf"
    (resource_spans,) = body.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert resource["service.name"] == "incident-agent"
    names = [s.name for scope in resource_spans.scope_spans for s in scope.spans]
    assert sorted(names) == ["chat offline", "invoke_agent incident-investigator"]


def test_settings_from_the_standard_otel_variables() -> None:
    settings = load_settings(
        environ={
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization=Bearer%20abc, x-tenant=shop",
            "OTEL_SERVICE_NAME": "agent-prod",
        }
    ).telemetry
    assert settings.exporter == "otlp"
    assert settings.otlp_endpoint == "http://127.0.0.1:4318/v1/traces"
    assert settings.otlp_headers == {"authorization": "Bearer abc", "x-tenant": "shop"}
    assert settings.service_name == "agent-prod"
    assert "abc" not in repr(settings)  # headers hold credentials


def test_settings_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text(
        "telemetry:\n  exporter: console\n  otlp_headers: {authorization: Bearer x}\n",
        encoding="utf-8",
    )
    settings = load_settings(config, environ={}).telemetry
    assert settings.exporter == "console"
    assert settings.otlp_headers == {"authorization": "Bearer x"}
    assert load_settings(environ={}).telemetry.exporter == "none"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"OTEL_TRACES_EXPORTER": "jaeger"}, "telemetry.exporter"),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, "needs otlp_endpoint"),
        (
            {
                "OTEL_TRACES_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318",
            },
            "must be an http(s) URL",
        ),
        ({"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization"}, "key=value"),
    ],
)
def test_invalid_settings_are_config_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(environ=environ)
