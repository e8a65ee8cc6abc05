"""The LogQL syntax tree, and its canonical text (``str(node)`` parses back to ``node``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

MatchOp = Literal["=", "!=", "=~", "!~"]
LineOp = Literal["|=", "!=", "|~", "!~"]
CompareOp = Literal[">", ">=", "<", "<=", "==", "!="]
NumberKind = Literal["number", "duration", "bytes"]
RangeOp = Literal["count_over_time", "rate", "bytes_over_time", "bytes_rate"]
VectorOp = Literal["sum", "avg", "min", "max", "count", "topk", "bottomk"]


def quote(text: str) -> str:
    """Render ``text`` as a LogQL double-quoted string literal."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Matcher:
    """A label matcher, in a stream selector or as a string label filter."""

    name: str
    op: MatchOp
    value: str

    def __str__(self) -> str:
        return f"{self.name}{self.op}{quote(self.value)}"


@dataclass(frozen=True, slots=True)
class LineFilter:
    """``|= "a" or "b"``: keep (or drop) lines containing / matching any of ``values``."""

    op: LineOp
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.op} " + " or ".join(quote(v) for v in self.values)


@dataclass(frozen=True, slots=True)
class JsonParser:
    """``| json`` or ``| json name="path.to[0].field", ...``."""

    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        args = ", ".join(f"{name}={quote(path)}" for name, path in self.params)
        return f"| json {args}".rstrip()


@dataclass(frozen=True, slots=True)
class LogfmtParser:
    """``| logfmt [--strict] [--keep-empty]``."""

    strict: bool = False
    keep_empty: bool = False

    def __str__(self) -> str:
        flags = ("--strict",) * self.strict + ("--keep-empty",) * self.keep_empty
        return " ".join(("| logfmt", *flags))


@dataclass(frozen=True, slots=True)
class RegexpParser:
    """``| regexp "<regex with named groups>"``."""

    pattern: str

    def __str__(self) -> str:
        return f"| regexp {quote(self.pattern)}"


@dataclass(frozen=True, slots=True)
class PatternParser:
    """``| pattern "<ip> - <_> <method>"``."""

    pattern: str

    def __str__(self) -> str:
        return f"| pattern {quote(self.pattern)}"


@dataclass(frozen=True, slots=True)
class NumericFilter:
    """``name > 1s``: compare a label as a number, a duration (seconds) or a byte size."""

    name: str
    op: CompareOp
    value: float
    kind: NumberKind
    text: str  # the literal as written, kept for rendering

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.text}"


@dataclass(frozen=True, slots=True)
class AndFilter:
    """Both label filters must hold."""

    left: LabelPredicate
    right: LabelPredicate

    def __str__(self) -> str:
        return f"({self.left} and {self.right})"


@dataclass(frozen=True, slots=True)
class OrFilter:
    """Either label filter must hold."""

    left: LabelPredicate
    right: LabelPredicate

    def __str__(self) -> str:
        return f"({self.left} or {self.right})"


LabelPredicate = Matcher | NumericFilter | AndFilter | OrFilter


@dataclass(frozen=True, slots=True)
class LabelFilter:
    """``| <predicate>``: a label filter stage."""

    predicate: LabelPredicate

    def __str__(self) -> str:
        return f"| {self.predicate}"


@dataclass(frozen=True, slots=True)
class LineFormat:
    """``| line_format "{{.name}}"``: replace the line with a rendered template."""

    template: str

    def __str__(self) -> str:
        return f"| line_format {quote(self.template)}"


Stage = (
    LineFilter | JsonParser | LogfmtParser | RegexpParser | PatternParser | LabelFilter | LineFormat
)


@dataclass(frozen=True, slots=True)
class LogSelector:
    """A log query: a stream selector and a pipeline of stages."""

    matchers: tuple[Matcher, ...]
    stages: tuple[Stage, ...] = ()

    def __str__(self) -> str:
        selector = "{" + ", ".join(str(m) for m in self.matchers) + "}"
        return " ".join((selector, *(str(s) for s in self.stages)))


@dataclass(frozen=True, slots=True)
class Grouping:
    """``by (a, b)`` or ``without (a, b)``."""

    without: bool
    labels: tuple[str, ...]

    def __str__(self) -> str:
        return ("without" if self.without else "by") + " (" + ", ".join(self.labels) + ")"


@dataclass(frozen=True, slots=True)
class RangeAggregation:
    """``count_over_time({...} |= "x" [5m])`` and friends."""

    op: RangeOp
    selector: LogSelector
    range_ns: int
    range_text: str

    def __str__(self) -> str:
        return f"{self.op}({self.selector} [{self.range_text}])"


@dataclass(frozen=True, slots=True)
class VectorAggregation:
    """``sum by (pod) (...)``, ``topk(5, ...)`` and friends."""

    op: VectorOp
    inner: MetricExpr
    grouping: Grouping | None = None
    param: int | None = None

    def __str__(self) -> str:
        grouping = f" {self.grouping}" if self.grouping else ""
        param = f"{self.param}, " if self.param is not None else ""
        return f"{self.op}{grouping}({param}{self.inner})"


MetricExpr = RangeAggregation | VectorAggregation
Expr = LogSelector | MetricExpr
