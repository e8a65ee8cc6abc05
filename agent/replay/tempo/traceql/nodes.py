"""The syntax tree of the supported TraceQL subset.

A query is a spanset expression: spanset filters ``{ ... }`` combined with ``&&`` and ``||``.
A filter holds a field expression: comparisons of one field with one literal, combined with
``&&`` and ``||``. ``SpansetFilter(None)`` is the empty filter ``{}`` that matches every span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Scope = Literal["resource", "span", "any"]
IntrinsicName = Literal["name", "status", "kind", "duration", "statusMessage"]
Operator = Literal["=", "!=", ">", ">=", "<", "<=", "=~", "!~"]
LogicalOp = Literal["&&", "||"]

INTRINSICS: tuple[IntrinsicName, ...] = ("name", "status", "kind", "duration", "statusMessage")


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute reference: ``resource.x``, ``span.x`` or unscoped ``.x`` (scope ``any``)."""

    scope: Scope
    name: str

    def __str__(self) -> str:
        return f".{self.name}" if self.scope == "any" else f"{self.scope}.{self.name}"


@dataclass(frozen=True, slots=True)
class Intrinsic:
    """A span intrinsic such as ``status`` or ``duration``."""

    name: IntrinsicName

    def __str__(self) -> str:
        return self.name


Field = Attribute | Intrinsic


@dataclass(frozen=True, slots=True)
class Duration:
    """A duration literal, in nanoseconds."""

    ns: int


@dataclass(frozen=True, slots=True)
class Keyword:
    """An enum literal: a status (``error``) or a span kind (``server``)."""

    name: str


Literal_ = str | int | float | bool | Duration | Keyword


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field op value``; ``pattern`` is the compiled regex for ``=~`` and ``!~``."""

    field: Field
    op: Operator
    value: Literal_
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class FieldLogic:
    """``left && right`` or ``left || right`` between field expressions, within one span."""

    op: LogicalOp
    left: FieldExpr
    right: FieldExpr


FieldExpr = Comparison | FieldLogic


@dataclass(frozen=True, slots=True)
class SpansetFilter:
    """``{ expr }``: the spans of a trace for which ``expr`` holds (all spans when ``None``)."""

    expr: FieldExpr | None


@dataclass(frozen=True, slots=True)
class SpansetLogic:
    """``{A} && {B}`` (both non-empty) or ``{A} || {B}`` (either); yields the union."""

    op: LogicalOp
    left: SpansetExpr
    right: SpansetExpr


SpansetExpr = SpansetFilter | SpansetLogic
