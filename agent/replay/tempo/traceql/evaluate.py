"""Evaluate a parsed TraceQL query against the spans of one trace.

Semantics follow Tempo: a comparison with a missing attribute is false (so ``!=`` does not
match spans that lack the attribute); values of different types never compare equal, except
integers and floats; an array attribute matches if any element does; regexes are fully
anchored; an unscoped ``.x`` matches the span attribute or, failing that, the resource one.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from agent.replay.tempo.model import Span
from agent.replay.tempo.otlp import AttrValue
from agent.replay.tempo.traceql.nodes import (
    Comparison,
    Duration,
    Field,
    FieldExpr,
    FieldLogic,
    Intrinsic,
    Keyword,
    SpansetExpr,
    SpansetFilter,
)

_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def matching_spans(query: SpansetExpr, spans: Sequence[Span]) -> list[Span]:
    """The spans of one trace selected by ``query``, in trace order; empty when it misses.

    ``{A} && {B}`` selects the union of both sides when both select something; ``{A} || {B}``
    selects the union of whatever either side selects.
    """
    selected = _select(query, spans)
    return [span for span in spans if id(span) in selected]


def span_matches(expr: FieldExpr | None, span: Span) -> bool:
    """Whether one span satisfies a filter's field expression (``None`` matches all)."""
    if expr is None:
        return True
    if isinstance(expr, FieldLogic):
        if expr.op == "&&":
            return span_matches(expr.left, span) and span_matches(expr.right, span)
        return span_matches(expr.left, span) or span_matches(expr.right, span)
    return _compare(expr, field_value(expr.field, span))


def field_value(field: Field, span: Span) -> AttrValue:
    """The value of ``field`` on ``span``; ``None`` when the attribute is absent."""
    if isinstance(field, Intrinsic):
        return _intrinsic_value(field.name, span)
    if field.scope == "span":
        return span.attributes.get(field.name)
    if field.scope == "resource":
        return span.resource.get(field.name)
    if field.name in span.attributes:
        return span.attributes[field.name]
    return span.resource.get(field.name)


def referenced_fields(query: SpansetExpr) -> list[Field]:
    """Each field the query compares, once, in order of appearance."""
    seen: dict[Field, None] = {}
    for comparison in _comparisons(query):
        seen.setdefault(comparison.field, None)
    return list(seen)


def _select(query: SpansetExpr, spans: Sequence[Span]) -> set[int]:
    if isinstance(query, SpansetFilter):
        return {id(span) for span in spans if span_matches(query.expr, span)}
    left = _select(query.left, spans)
    right = _select(query.right, spans)
    if query.op == "&&" and not (left and right):
        return set()
    return left | right


def _comparisons(node: SpansetExpr | FieldExpr | None) -> Iterator[Comparison]:
    if node is None:
        return
    if isinstance(node, Comparison):
        yield node
    elif isinstance(node, SpansetFilter):
        yield from _comparisons(node.expr)
    else:
        yield from _comparisons(node.left)
        yield from _comparisons(node.right)


def _intrinsic_value(name: str, span: Span) -> AttrValue:
    values: dict[str, AttrValue] = {
        "name": span.name,
        "status": span.status,
        "kind": span.kind,
        "duration": span.duration_ns,
        "statusMessage": span.status_message,
    }
    return values[name]


def _compare(comparison: Comparison, actual: AttrValue) -> bool:
    if isinstance(actual, list):
        return any(_compare(comparison, element) for element in actual)
    if actual is None:
        return False
    expected = comparison.value
    if comparison.pattern is not None:
        if not isinstance(actual, str):
            return False
        found = comparison.pattern.fullmatch(actual) is not None
        return found if comparison.op == "=~" else not found
    expected_plain: Any = expected
    if isinstance(expected, Duration):
        # Only the duration intrinsic holds a duration; an attribute never equals one.
        if comparison.field != Intrinsic("duration"):
            return False
        expected_plain = expected.ns
    elif isinstance(expected, Keyword):
        expected_plain = expected.name  # the parser allows keywords only for status and kind
    if not _comparable(actual, expected_plain):
        return False
    return _ORDERINGS[comparison.op](actual, expected_plain)


def _comparable(actual: object, expected: object) -> bool:
    def kind(value: object) -> str:
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int | float):
            return "number"
        return type(value).__name__

    return kind(actual) == kind(expected)
