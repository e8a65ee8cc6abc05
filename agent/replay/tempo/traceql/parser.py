"""Recursive-descent parser for the supported TraceQL subset.

Grammar (lowest precedence first; ``&&`` binds tighter than ``||`` at both levels)::

    query        := spanset_or EOF
    spanset_or   := spanset_and ("||" spanset_and)*
    spanset_and  := spanset ("&&" spanset)*
    spanset      := "{" [field_or] "}" | "(" spanset_or ")"
    field_or     := field_and ("||" field_and)*
    field_and    := field_primary ("&&" field_primary)*
    field_primary:= "(" field_or ")" | field op literal

Valid TraceQL outside the subset raises ``UnsupportedConstruct`` naming the construct.
Type checks that Tempo performs (``status`` only against a status, regexes only against
strings, ...) raise ``TraceQLSyntaxError``.
"""

from __future__ import annotations

import re
from typing import cast

from agent.replay.tempo.otlp import SPAN_KINDS, STATUS_CODES
from agent.replay.tempo.traceql.errors import TraceQLSyntaxError, UnsupportedConstruct
from agent.replay.tempo.traceql.lexer import Token, TokenKind, tokenize
from agent.replay.tempo.traceql.nodes import (
    INTRINSICS,
    Attribute,
    Comparison,
    Duration,
    Field,
    FieldExpr,
    FieldLogic,
    Intrinsic,
    IntrinsicName,
    Keyword,
    Literal_,
    Operator,
    Scope,
    SpansetExpr,
    SpansetFilter,
    SpansetLogic,
)

# Intrinsics Tempo knows but the replay server does not evaluate.
_OTHER_INTRINSICS = frozenset(
    {"rootName", "rootServiceName", "traceDuration", "nestedSetLeft", "nestedSetRight",
     "nestedSetParent", "childCount", "parent"}
)  # fmt: skip
_SCOPES: dict[str, Scope] = {"": "any", "resource": "resource", "span": "span"}
_AGGREGATES = frozenset({"count", "avg", "min", "max", "sum", "select", "by", "coalesce"})
_ORDERING_OPS = frozenset({">", ">=", "<", "<="})


def parse(source: str) -> SpansetExpr:
    """Parse a TraceQL query into its syntax tree.

    Raises:
        TraceQLSyntaxError: the query is not valid TraceQL (message gives line and column).
        UnsupportedConstruct: the query uses TraceQL the replay server does not implement.
    """
    parser = _Parser(source)
    query = parser.spanset_or()
    parser.end_of_query()
    return query


def parse_field(source: str) -> Field:
    """Parse a lone field such as ``resource.service.name``, ``.foo`` or ``status``.

    Raises:
        TraceQLSyntaxError: ``source`` is not one field.
        UnsupportedConstruct: the field is valid TraceQL outside the subset.
    """
    parser = _Parser(source)
    field = parser.field()
    parser.expect("eof", "end of the tag name")
    return field


class _Parser:
    """Cursor over the tokens of one query."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def at(self, kind: TokenKind) -> bool:
        # A method, not an inline comparison: mypy would keep a narrowed kind across advance().
        return self.current.kind == kind

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def error(self, message: str, token: Token | None = None) -> TraceQLSyntaxError:
        return TraceQLSyntaxError(message, self.source, (token or self.current).offset)

    def expect(self, kind: TokenKind, what: str) -> Token:
        if self.current.kind != kind:
            raise self.error(f"expected {what}, found {_describe(self.current)}")
        return self.advance()

    # -- spanset level -------------------------------------------------------------------

    def end_of_query(self) -> None:
        token = self.current
        if token.kind == "|":
            raise UnsupportedConstruct(f"pipeline '{self._pipeline_stage()}'")
        if token.kind == "struct" or (token.kind == "op" and token.text in {">", "<", "!~"}):
            raise UnsupportedConstruct(f"structural operator '{token.text}'")
        if token.kind == "ident" and token.text in {"with", "select"}:
            raise UnsupportedConstruct(f"'{token.text}' clause")
        if token.kind != "eof":
            raise self.error(f"unexpected {_describe(token)} after the query")

    def spanset_or(self) -> SpansetExpr:
        expr = self.spanset_and()
        while self.at("||"):
            self.advance()
            expr = SpansetLogic("||", expr, self.spanset_and())
        return expr

    def spanset_and(self) -> SpansetExpr:
        expr = self.spanset()
        while self.at("&&"):
            self.advance()
            expr = SpansetLogic("&&", expr, self.spanset())
        return expr

    def spanset(self) -> SpansetExpr:
        token = self.current
        if token.kind == "(":
            self.advance()
            inner = self.spanset_or()
            self.end_of_group()
            return inner
        if token.kind == "{":
            self.advance()
            if self.at("}"):
                self.advance()
                return SpansetFilter(None)
            expr = self.field_or()
            self.expect("}", "'}' or '&&' or '||'")
            return SpansetFilter(expr)
        if token.kind == "ident" and token.text in _AGGREGATES:
            raise UnsupportedConstruct(f"aggregate '{token.text}()'")
        raise self.error(f"expected '{{' to start a spanset filter, found {_describe(token)}")

    def end_of_group(self) -> None:
        if not self.at(")"):
            self.end_of_query()  # names a pipeline or structural operator inside the group
            raise self.error(f"expected ')', found {_describe(self.current)}")
        self.advance()

    def _pipeline_stage(self) -> str:
        """Source text of the pipeline stage at the cursor, e.g. ``| count()``."""
        start = self.advance().offset
        end = start + 1
        if self.at("ident"):
            end = self.current.offset + len(self.current.text)
            self.advance()
            if self.at("("):
                depth = 0
                while not self.at("eof"):
                    token = self.advance()
                    depth += {"(": 1, ")": -1}.get(token.kind, 0)
                    end = token.offset + len(token.text)
                    if depth == 0:
                        break
        return self.source[start:end]

    # -- field level ---------------------------------------------------------------------

    def field_or(self) -> FieldExpr:
        expr = self.field_and()
        while self.at("||"):
            self.advance()
            expr = FieldLogic("||", expr, self.field_and())
        return expr

    def field_and(self) -> FieldExpr:
        expr = self.field_primary()
        while self.at("&&"):
            self.advance()
            expr = FieldLogic("&&", expr, self.field_primary())
        return expr

    def field_primary(self) -> FieldExpr:
        if self.at("("):
            self.advance()
            expr = self.field_or()
            self.expect(")", "')'")
            return expr
        if self.at("!"):
            raise UnsupportedConstruct("negation '!'")
        field_token = self.current
        field = self.field()
        if self.at("arith"):
            raise UnsupportedConstruct(f"arithmetic '{self.current.text}'")
        op_token = self.current
        if op_token.kind != "op":
            raise self.error(
                f"expected a comparison operator after {field_token.text!r}, "
                f"found {_describe(op_token)}"
            )
        self.advance()
        op = cast(Operator, op_token.text)
        value_token = self.current
        value = self.literal()
        if self.at("arith"):
            raise UnsupportedConstruct(f"arithmetic '{self.current.text}'")
        return self._comparison(field, op, value, op_token, value_token)

    def field(self) -> Field:
        token = self.current
        if token.kind == "attr":
            scope, name = cast(tuple[str, str], token.value)
            if scope in {"event", "link", "instrumentation"}:
                raise UnsupportedConstruct(f"attribute scope '{scope}.'")
            if scope == "parent":
                raise UnsupportedConstruct("attribute scope 'parent.'")
            self.advance()
            return Attribute(_SCOPES[scope], name)
        if token.kind == "scoped_intrinsic":
            raise UnsupportedConstruct(f"intrinsic '{token.text}'")
        if token.kind == "ident":
            if token.text in INTRINSICS:
                self.advance()
                return Intrinsic(token.text)
            if token.text in _OTHER_INTRINSICS:
                raise UnsupportedConstruct(f"intrinsic '{token.text}'")
            if token.text in _AGGREGATES:
                raise UnsupportedConstruct(f"aggregate '{token.text}()'")
            if token.text == "nil":
                raise UnsupportedConstruct("nil comparison")
            raise self.error(
                f"unknown field {token.text!r}: attributes need a scope, "
                f"e.g. 'span.{token.text}' or '.{token.text}'"
            )
        if token.kind in {"string", "number", "duration"}:
            raise UnsupportedConstruct("comparison with the literal on the left")
        raise self.error(f"expected a field, found {_describe(token)}")

    def literal(self) -> Literal_:
        token = self.advance()
        if token.kind in {"string", "number"}:
            return cast(str | int | float, token.value)
        if token.kind == "duration":
            return Duration(cast(int, token.value))
        if token.kind == "ident":
            if token.text in {"true", "false"}:
                return token.text == "true"
            if token.text == "nil":
                raise UnsupportedConstruct("nil comparison")
            if token.text in STATUS_CODES or token.text in SPAN_KINDS:
                return Keyword(token.text)
        if token.kind in {"attr", "scoped_intrinsic"} or (
            token.kind == "ident" and token.text in INTRINSICS
        ):
            raise UnsupportedConstruct("comparison between two fields")
        raise self.error(f"expected a value, found {_describe(token)}", token)

    def _comparison(
        self, field: Field, op: Operator, value: Literal_, op_token: Token, value_token: Token
    ) -> Comparison:
        if op in {"=~", "!~"}:
            if not isinstance(value, str):
                raise self.error(f"operator '{op}' needs a string regular expression", op_token)
            try:
                pattern = re.compile(value)
            except re.error as exc:
                raise self.error(
                    f"invalid regular expression {value!r}: {exc}", value_token
                ) from exc
            return Comparison(field, op, value, pattern)
        if isinstance(field, Intrinsic):
            problem = _intrinsic_value_problem(field.name, value)
            if problem:
                raise self.error(problem, value_token)
            if field.name in {"status", "kind"} and op not in {"=", "!="}:
                raise self.error(f"{field.name} can only be compared with '=' or '!='", op_token)
        elif isinstance(value, Keyword):
            raise self.error(
                f'{value.name!r} is not a value; quote strings, e.g. "{value.name}"', value_token
            )
        if isinstance(value, bool) and op in _ORDERING_OPS:
            raise self.error(f"operator '{op}' cannot compare booleans", op_token)
        return Comparison(field, op, value)


def _intrinsic_value_problem(name: IntrinsicName, value: Literal_) -> str | None:
    """Why ``value`` cannot be compared with intrinsic ``name`` (Tempo's type rules)."""
    if name in {"status", "kind"}:
        allowed = STATUS_CODES if name == "status" else SPAN_KINDS
        if not isinstance(value, Keyword) or value.name not in allowed:
            return f"{name} must be compared with one of {', '.join(allowed)}"
    elif name == "duration":
        if not isinstance(value, Duration):
            return "duration must be compared with a duration such as 250ms"
    elif not isinstance(value, str):
        return f"{name} must be compared with a string"
    return None


def _describe(token: Token) -> str:
    return "end of query" if token.kind == "eof" else repr(token.text)
