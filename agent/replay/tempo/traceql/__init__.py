"""A TraceQL subset for the Tempo replay server: spanset filters joined by ``&&``/``||``."""

from agent.replay.tempo.traceql.errors import (
    TraceQLError,
    TraceQLSyntaxError,
    UnsupportedConstruct,
)
from agent.replay.tempo.traceql.evaluate import (
    field_value,
    matching_spans,
    referenced_fields,
    span_matches,
)
from agent.replay.tempo.traceql.parser import parse, parse_field

__all__ = [
    "TraceQLError",
    "TraceQLSyntaxError",
    "UnsupportedConstruct",
    "field_value",
    "matching_spans",
    "parse",
    "parse_field",
    "referenced_fields",
    "span_matches",
]
