"""Recursive-descent parser: LogQL text → ``nodes`` tree.

Grammar (the subset this replay server evaluates; everything else is rejected by name)::

    expr        := metric | selector | "(" expr ")"
    selector    := "{" matcher ("," matcher)* "}" stage*
    stage       := line_op STRING ("or" STRING)*
                 | "|" ( "json" [param ("," param)*] | "logfmt" FLAG* | "regexp" STRING
                       | "pattern" STRING | "line_format" STRING | or_filter )
    or_filter   := and_filter ("or" and_filter)*
    and_filter  := primary (("and" | "," | <nothing>) primary)*
    primary     := "(" or_filter ")" | IDENT match_op STRING | IDENT cmp_op ["-"] NUMBER|DURATION|BYTES
    metric      := range_op "(" selector "[" DURATION "]" ")"
                 | vector_op [grouping] "(" [NUMBER ","] metric ")" [grouping]
"""

from __future__ import annotations

from typing import get_args

from agent.replay.loki import nodes
from agent.replay.loki.errors import LogQLParseError, QueryError, unsupported
from agent.replay.loki.goregex import compile_go_regex
from agent.replay.loki.lexer import Token, tokenize
from agent.replay.loki.literals import checked_matcher, matches_empty, numeric_filter
from agent.replay.loki.units import parse_duration_ns

_RANGE_OPS: frozenset[str] = frozenset(get_args(nodes.RangeOp))
_VECTOR_OPS: frozenset[str] = frozenset(get_args(nodes.VectorOp))
_UNWRAP_RANGE_OPS = frozenset({
    "sum_over_time", "avg_over_time", "max_over_time", "min_over_time", "first_over_time",
    "last_over_time", "stdvar_over_time", "stddev_over_time", "quantile_over_time", "rate_counter",
})  # fmt: skip
_OTHER_FUNCTIONS = frozenset({
    "absent_over_time", "stddev", "stdvar", "sort", "sort_desc", "approx_topk", "vector",
    "label_replace", "count_values",
})  # fmt: skip
_UNSUPPORTED_STAGES = frozenset({
    "unwrap", "label_format", "keep", "drop", "decolorize", "unpack", "distinct",
})  # fmt: skip
_BINARY_OPS = frozenset({"ADD", "SUB", "MUL", "DIV", "MOD", "POW", "GT", "GTE", "LT", "LTE"})
_BINARY_KEYWORDS = frozenset({"and", "or", "unless"})
_LINE_OPS = {"PIPE_EXACT": "|=", "NEQ": "!=", "PIPE_MATCH": "|~", "NRE": "!~"}
_MATCH_OPS = {"EQ": "=", "NEQ": "!=", "RE": "=~", "NRE": "!~"}
_CMP_OPS = {"GT": ">", "GTE": ">=", "LT": "<", "LTE": "<=", "CMP_EQ": "==", "EQ": "==", "NEQ": "!="}
# Words that end a juxtaposed ("a=1 b=2") label-filter list instead of starting a filter.
_FILTER_STOP_WORDS = frozenset({"or", "offset", "by", "without"})
_EMPTY_MATCHERS_MSG = (
    "queries require at least one regexp or equality matcher that does not have an "
    'empty-compatible value. For instance, app=~".*" does not meet this requirement, '
    'but app=~".+" will'
)


def parse(query: str) -> nodes.Expr:
    """Parse a LogQL query.

    Raises:
        LogQLParseError: the query is not valid LogQL or uses an unsupported construct.
    """
    return _Parser(tokenize(query)).parse_query()


def parse_selector(query: str) -> nodes.LogSelector:
    """Parse a bare stream selector, as ``/series`` and ``/labels?query=`` take.

    Raises:
        LogQLParseError: the text is not a stream selector without a pipeline.
    """
    expr = parse(query)
    if not isinstance(expr, nodes.LogSelector) or expr.stages:
        raise LogQLParseError("only label matchers are supported")
    return expr


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._pos = 0

    # -- token helpers -------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> Token:
        return self._tokens[min(self._pos + ahead, len(self._tokens) - 1)]

    def _next(self) -> Token:
        token = self._peek()
        self._pos += 1
        return token

    def _is_word(self, word: str, ahead: int = 0) -> bool:
        token = self._peek(ahead)
        return token.kind == "IDENTIFIER" and token.text == word

    def _expect(self, *kinds: str) -> Token:
        token = self._peek()
        if token.kind not in kinds:
            raise self._unexpected(token, " or ".join(kinds))
        return self._next()

    @staticmethod
    def _unexpected(token: Token, expecting: str = "") -> LogQLParseError:
        # Loki's yacc grammar names keywords by their token (BY, JSON ...) and EOF "$end".
        if token.kind == "EOF":
            name = "$end"
        elif token.kind == "IDENTIFIER" and token.text in _KEYWORD_TOKENS:
            name = token.text.upper()
        else:
            name = token.kind
        tail = f", expecting {expecting}" if expecting else ""
        return LogQLParseError(f"syntax error: unexpected {name}{tail}", token.line, token.col)

    # -- expressions ---------------------------------------------------------------------

    def parse_query(self) -> nodes.Expr:
        expr = self._expr()
        token = self._peek()
        if token.kind in _BINARY_OPS or (
            token.kind == "IDENTIFIER" and token.text in _BINARY_KEYWORDS
        ):
            raise unsupported(f"binary operator {token.text}", token.line, token.col)
        if token.kind != "EOF":
            raise self._unexpected(token)
        return expr

    def _expr(self) -> nodes.Expr:
        token = self._peek()
        if token.kind == "OPEN_BRACE":
            return self._selector()
        if token.kind == "OPEN_PARENTHESIS":
            self._next()
            inner = self._expr()
            self._expect("CLOSE_PARENTHESIS")
            return inner
        return self._metric()

    def _metric(self) -> nodes.MetricExpr:
        token = self._peek()
        if token.kind == "IDENTIFIER":
            if token.text in _RANGE_OPS:
                return self._range_aggregation()
            if token.text in _VECTOR_OPS:
                return self._vector_aggregation()
            if token.text in _UNWRAP_RANGE_OPS:
                raise unsupported(f"{token.text} (needs unwrap)", token.line, token.col)
            if token.text in _OTHER_FUNCTIONS:
                raise unsupported(token.text, token.line, token.col)
        if token.kind == "NUMBER":
            raise unsupported("literal expression", token.line, token.col)
        raise self._unexpected(token)

    def _range_aggregation(self) -> nodes.RangeAggregation:
        op = self._next().text
        self._expect("OPEN_PARENTHESIS")
        matchers = self._matchers()
        if self._peek().kind == "OPEN_BRACKET":  # legacy form: {..}[5m] |= "x"
            range_token = self._range()
            stages = self._stages()
        else:
            stages = self._stages()
            range_token = self._range()
        if self._is_word("offset"):
            token = self._peek()
            raise unsupported("offset", token.line, token.col)
        self._expect("CLOSE_PARENTHESIS")
        if self._is_word("by") or self._is_word("without"):
            token = self._peek()
            raise LogQLParseError(
                f"grouping not allowed for {op} aggregation", token.line, token.col
            )
        range_ns = parse_duration_ns(range_token.text)
        if not range_ns or range_ns <= 0:
            raise LogQLParseError(
                f"invalid range duration {range_token.text}", range_token.line, range_token.col
            )
        selector = nodes.LogSelector(matchers, stages)
        return nodes.RangeAggregation(op, selector, range_ns, range_token.text)  # type: ignore[arg-type]

    def _range(self) -> Token:
        self._expect("OPEN_BRACKET")
        token = self._expect("DURATION")
        self._expect("CLOSE_BRACKET")
        return token

    def _vector_aggregation(self) -> nodes.VectorAggregation:
        op_token = self._next()
        op = op_token.text
        grouping = self._grouping()
        self._expect("OPEN_PARENTHESIS")
        param: int | None = None
        if op in ("topk", "bottomk"):
            param_token = self._expect("NUMBER")
            if "." in param_token.text or int(param_token.text) <= 0:
                raise LogQLParseError(
                    f"invalid parameter (must be strictly positive integer) for operation {op}",
                    param_token.line,
                    param_token.col,
                )
            param = int(param_token.text)
            self._expect("COMMA")
        inner_token = self._peek()
        inner = self._expr()
        if isinstance(inner, nodes.LogSelector):
            raise LogQLParseError(
                f"syntax error: {op} needs a metric expression, got a log query",
                inner_token.line,
                inner_token.col,
            )
        self._expect("CLOSE_PARENTHESIS")
        if grouping is None:
            grouping = self._grouping()
        return nodes.VectorAggregation(op, inner, grouping, param)  # type: ignore[arg-type]

    def _grouping(self) -> nodes.Grouping | None:
        if not (self._is_word("by") or self._is_word("without")):
            return None
        without = self._next().text == "without"
        self._expect("OPEN_PARENTHESIS")
        labels: list[str] = []
        while self._peek().kind != "CLOSE_PARENTHESIS":
            if labels:
                self._expect("COMMA")
            labels.append(self._expect("IDENTIFIER").text)
        self._next()
        return nodes.Grouping(without, tuple(labels))

    # -- log selectors -------------------------------------------------------------------

    def _selector(self) -> nodes.LogSelector:
        matchers = self._matchers()
        return nodes.LogSelector(matchers, self._stages())

    def _matchers(self) -> tuple[nodes.Matcher, ...]:
        open_token = self._expect("OPEN_BRACE")
        matchers = [self._matcher()]
        while self._peek().kind == "COMMA":
            self._next()
            matchers.append(self._matcher())
        self._expect("CLOSE_BRACE")
        if all(matches_empty(m) for m in matchers):
            raise LogQLParseError(_EMPTY_MATCHERS_MSG, open_token.line, open_token.col)
        return tuple(matchers)

    def _matcher(self) -> nodes.Matcher:
        name = self._expect("IDENTIFIER").text
        op_token = self._next()
        if op_token.kind not in _MATCH_OPS:
            raise self._unexpected(op_token, "EQ or NEQ or RE or NRE")
        value = self._expect("STRING")
        return checked_matcher(name, _MATCH_OPS[op_token.kind], value)

    def _stages(self) -> tuple[nodes.Stage, ...]:
        stages: list[nodes.Stage] = []
        while True:
            token = self._peek()
            if token.kind in _LINE_OPS:
                stages.append(self._line_filter())
            elif token.kind == "PIPE_PATTERN":
                raise unsupported("pattern line filter |>", token.line, token.col)
            elif token.kind == "PIPE":
                self._next()
                stages.append(self._pipe_stage())
            else:
                return tuple(stages)

    def _line_filter(self) -> nodes.LineFilter:
        op = _LINE_OPS[self._next().kind]
        values = [self._line_filter_value(op)]
        while self._is_word("or") and self._peek(1).kind == "STRING":
            self._next()
            values.append(self._line_filter_value(op))
        return nodes.LineFilter(op, tuple(values))  # type: ignore[arg-type]

    def _line_filter_value(self, op: str) -> str:
        if self._is_word("ip") and self._peek(1).kind == "OPEN_PARENTHESIS":
            token = self._peek()
            raise unsupported("ip() line filter", token.line, token.col)
        token = self._expect("STRING")
        if op in ("|~", "!~"):
            try:
                compile_go_regex(token.text, anchored=False)
            except QueryError as exc:
                raise LogQLParseError(str(exc), token.line, token.col) from exc
        return token.text

    def _pipe_stage(self) -> nodes.Stage:
        token = self._peek()
        word = token.text if token.kind == "IDENTIFIER" else ""
        next_kind = self._peek(1).kind
        # "json" etc. are stage keywords unless used as a label name ("| json="x"").
        if word and next_kind not in _MATCH_OPS and next_kind not in _CMP_OPS:
            if word == "json":
                self._next()
                return nodes.JsonParser(self._json_params())
            if word == "logfmt":
                self._next()
                return self._logfmt()
            if word in ("regexp", "pattern", "line_format"):
                self._next()
                text = self._expect("STRING").text
                if word == "regexp":
                    return nodes.RegexpParser(text)
                return nodes.PatternParser(text) if word == "pattern" else nodes.LineFormat(text)
            if word in _UNSUPPORTED_STAGES:
                raise unsupported(word, token.line, token.col)
        if token.kind not in ("IDENTIFIER", "OPEN_PARENTHESIS"):
            raise self._unexpected(token)
        return nodes.LabelFilter(self._or_filter())

    def _json_params(self) -> tuple[tuple[str, str], ...]:
        params: list[tuple[str, str]] = []
        if self._peek().kind != "IDENTIFIER":
            return ()
        while True:
            name = self._expect("IDENTIFIER").text
            path = name  # "| json status" is short for "| json status=\"status\""
            if self._peek().kind == "EQ":
                self._next()
                path = self._expect("STRING").text
            params.append((name, path))
            if self._peek().kind != "COMMA":
                return tuple(params)
            self._next()

    def _logfmt(self) -> nodes.LogfmtParser:
        strict = keep_empty = False
        while self._peek().kind == "FLAG":
            flag = self._next()
            if flag.text == "--strict":
                strict = True
            elif flag.text == "--keep-empty":
                keep_empty = True
            else:
                raise LogQLParseError(f"invalid logfmt flag {flag.text}", flag.line, flag.col)
        token = self._peek()
        if token.kind == "IDENTIFIER":
            raise unsupported("logfmt label extraction parameters", token.line, token.col)
        return nodes.LogfmtParser(strict, keep_empty)

    # -- label filters -------------------------------------------------------------------

    def _or_filter(self) -> nodes.LabelPredicate:
        left = self._and_filter()
        while self._is_word("or"):
            self._next()
            left = nodes.OrFilter(left, self._and_filter())
        return left

    def _and_filter(self) -> nodes.LabelPredicate:
        left = self._filter_primary()
        while True:
            token = self._peek()
            if token.kind == "COMMA" or self._is_word("and"):
                self._next()
            elif not (
                token.kind == "OPEN_PARENTHESIS"
                or (token.kind == "IDENTIFIER" and token.text not in _FILTER_STOP_WORDS)
            ):
                return left
            left = nodes.AndFilter(left, self._filter_primary())

    def _filter_primary(self) -> nodes.LabelPredicate:
        if self._peek().kind == "OPEN_PARENTHESIS":
            self._next()
            inner = self._or_filter()
            self._expect("CLOSE_PARENTHESIS")
            return inner
        name = self._expect("IDENTIFIER").text
        op_token = self._next()
        value = self._peek()
        if value.kind == "STRING" and op_token.kind in _MATCH_OPS:
            self._next()
            return checked_matcher(name, _MATCH_OPS[op_token.kind], value)
        if op_token.kind not in _CMP_OPS:
            raise self._unexpected(op_token, "a label filter operator")
        if value.kind == "IDENTIFIER" and value.text == "ip":
            raise unsupported("ip() label filter", value.line, value.col)
        sign = ""
        if value.kind == "SUB":
            self._next()
            sign, value = "-", self._peek()
        self._expect("NUMBER", "DURATION", "BYTES")
        return numeric_filter(name, _CMP_OPS[op_token.kind], value, sign)


_KEYWORD_TOKENS = (
    _RANGE_OPS
    | _VECTOR_OPS
    | _UNWRAP_RANGE_OPS
    | _UNSUPPORTED_STAGES
    | {"by", "without", "and", "or", "unless", "offset", "json", "logfmt", "regexp", "pattern"}
    | {"line_format", "bool", "on", "ignoring", "group_left", "group_right"}
)
