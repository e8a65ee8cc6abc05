from __future__ import annotations

import pytest

from agent.replay.tempo.traceql import (
    TraceQLSyntaxError,
    UnsupportedConstruct,
    parse,
    parse_field,
)
from agent.replay.tempo.traceql.lexer import parse_duration
from agent.replay.tempo.traceql.nodes import (
    Attribute,
    Comparison,
    Duration,
    FieldLogic,
    Intrinsic,
    Keyword,
    SpansetFilter,
    SpansetLogic,
)

SVC = Attribute("resource", "service.name")
ERR = Comparison(Intrinsic("status"), "=", Keyword("error"))


def _filter(query: str) -> Comparison:
    parsed = parse(query)
    assert isinstance(parsed, SpansetFilter)
    assert isinstance(parsed.expr, Comparison)
    return parsed.expr


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{}", SpansetFilter(None)),
        ("  { }  ", SpansetFilter(None)),
        (
            '{ resource.service.name="checkout" && status=error }',
            SpansetFilter(FieldLogic("&&", Comparison(SVC, "=", "checkout"), ERR)),
        ),
        # && binds tighter than ||, parentheses override.
        (
            '{ .a = 1 || .b = 2 && .c = 3 }',
            SpansetFilter(FieldLogic(
                "||",
                Comparison(Attribute("any", "a"), "=", 1),
                FieldLogic("&&", Comparison(Attribute("any", "b"), "=", 2),
                           Comparison(Attribute("any", "c"), "=", 3)),
            )),
        ),
        (
            '{ (.a = 1 || .b = 2) && .c = 3 }',
            SpansetFilter(FieldLogic(
                "&&",
                FieldLogic("||", Comparison(Attribute("any", "a"), "=", 1),
                           Comparison(Attribute("any", "b"), "=", 2)),
                Comparison(Attribute("any", "c"), "=", 3),
            )),
        ),
        (
            "{ status = error } && ({ kind = server } || { duration > 1.5s })",
            SpansetLogic(
                "&&",
                SpansetFilter(ERR),
                SpansetLogic(
                    "||",
                    SpansetFilter(Comparison(Intrinsic("kind"), "=", Keyword("server"))),
                    SpansetFilter(Comparison(Intrinsic("duration"), ">", Duration(1_500_000_000))),
                ),
            ),
        ),
        ("{ span.http.response.status_code >= 500 }",
         SpansetFilter(Comparison(Attribute("span", "http.response.status_code"), ">=", 500))),
        ("{ span.ratio < -0.5 }", SpansetFilter(Comparison(Attribute("span", "ratio"), "<", -0.5))),
        ("{ span.cache.hit != false }",
         SpansetFilter(Comparison(Attribute("span", "cache.hit"), "!=", False))),
        ('{ name = "GET /cart" }', SpansetFilter(Comparison(Intrinsic("name"), "=", "GET /cart"))),
        ('{ statusMessage != "" }',
         SpansetFilter(Comparison(Intrinsic("statusMessage"), "!=", ""))),
        ('{ span."odd key" = `raw \\d` }',
         SpansetFilter(Comparison(Attribute("span", "odd key"), "=", "raw \\d"))),
        ('{ .msg = "say \\"hi\\"\\n" }',
         SpansetFilter(Comparison(Attribute("any", "msg"), "=", 'say "hi"\n'))),
    ],
)  # fmt: skip
def test_parse_valid(query: str, expected: object) -> None:
    assert parse(query) == expected


def test_regex_is_compiled() -> None:
    comparison = _filter('{ name =~ "GET .*" }')
    assert comparison.op == "=~"
    assert comparison.pattern is not None
    assert comparison.pattern.pattern == "GET .*"


@pytest.mark.parametrize(
    ("text", "ns"),
    [("250ms", 250_000_000), ("1.5s", 1_500_000_000), ("1m30s", 90_000_000_000),
     ("2h", 7_200_000_000_000), ("10us", 10_000), ("10µs", 10_000), ("7ns", 7)],
)  # fmt: skip
def test_durations(text: str, ns: int) -> None:
    assert parse_duration(text) == ns
    assert _filter(f"{{ duration > {text} }}").value == Duration(ns)


@pytest.mark.parametrize("text", ["5", "5min", "s", "1.s", ""])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("query", "col", "fragment"),
    [
        ("", 1, "expected '{'"),
        ("{", 2, "expected a field, found end of query"),
        ("{ .a = 1", 9, "expected '}'"),
        ("{ .a = }", 8, "expected a value, found '}'"),
        ("{ foo = 1 }", 3, "unknown field 'foo'"),
        ("{ .a 1 }", 6, "expected a comparison operator"),
        ('{ .a = "open }', 8, "unterminated string"),
        ("{ .a = 1 } }", 12, "unexpected '}' after the query"),
        ("{ status > error }", 10, "status can only be compared with '=' or '!='"),
        ("{ status = broken }", 12, "expected a value, found 'broken'"),
        ("{ status = server }", 12, "status must be compared with one of unset, ok, error"),
        ("{ kind = error }", 10, "kind must be compared with one of"),
        ("{ duration > 5 }", 14, "duration must be compared with a duration"),
        ("{ name = 5 }", 10, "name must be compared with a string"),
        ("{ .a =~ 5 }", 6, "operator '=~' needs a string"),
        ('{ .a =~ "(" }', 9, "invalid regular expression"),
        ("{ .a > true }", 6, "cannot compare booleans"),
        ("{ .a = error }", 8, "'error' is not a value"),
        ("{ .a = 5min }", 8, "malformed number or duration"),
        ("{ .a = 1 } &&", 14, "expected '{'"),
        ("{ .a = @ }", 8, "unexpected character '@'"),
        ("({ .a = 1 }", 12, "expected ')', found end of query"),
        ("({ .a = 1 } .b", 13, "unexpected '.b' after the query"),
        ("{ .a = 1 }\n&& { .b = }", 11, "expected a value"),
    ],
)
def test_parse_errors_name_the_position(query: str, col: int, fragment: str) -> None:
    with pytest.raises(TraceQLSyntaxError) as caught:
        parse(query)
    message = str(caught.value)
    assert message.startswith("invalid TraceQL query: parse error at line ")
    assert caught.value.col == col, message
    assert fragment in message


def test_parse_error_line_number() -> None:
    with pytest.raises(TraceQLSyntaxError) as caught:
        parse("{ .a = 1 }\n&& { .b = }")
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("query", "construct"),
    [
        ("{ span.http.response.status_code >= 500 } | count() > 2", "pipeline '| count()'"),
        ("{ } | select(span.foo, .bar)", "pipeline '| select(span.foo, .bar)'"),
        ("{ } | rate()", "pipeline '| rate()'"),
        ("{ } | by(resource.service.name)", "pipeline '| by(resource.service.name)'"),
        ("({ .a = 1 } | count() > 1)", "pipeline '| count()'"),
        ("{ .a = 1 } >> { .b = 2 }", "structural operator '>>'"),
        ("{ .a = 1 } > { .b = 2 }", "structural operator '>'"),
        ("{ .a = 1 } < { .b = 2 }", "structural operator '<'"),
        ("{ .a = 1 } ~ { .b = 2 }", "structural operator '~'"),
        ("{ .a = 1 } !~ { .b = 2 }", "structural operator '!~'"),
        ("{ .a = 1 } &>> { .b = 2 }", "structural operator '&>>'"),
        ("{ .a = 1 } !< { .b = 2 }", "structural operator '!<'"),
        ("count() > 1", "aggregate 'count()'"),
        ("{ .a = 1 } with (most_recent=true)", "'with' clause"),
        ("{ traceDuration > 1s }", "intrinsic 'traceDuration'"),
        ("{ rootServiceName = \"x\" }", "intrinsic 'rootServiceName'"),
        ("{ span:duration > 1s }", "intrinsic 'span:duration'"),
        ("{ trace:id = \"abc\" }", "intrinsic 'trace:id'"),
        ("{ event.exception.type = \"x\" }", "attribute scope 'event.'"),
        ("{ link.x = 1 }", "attribute scope 'link.'"),
        ("{ parent.span.x = 1 }", "attribute scope 'parent.'"),
        ("{ .a = nil }", "nil comparison"),
        ("{ .a != nil }", "nil comparison"),
        ("{ !(.a = 1) }", "negation '!'"),
        ("{ .a + 1 = 2 }", "arithmetic '+'"),
        ("{ .a = 1 * 2 }", "arithmetic '*'"),
        ("{ .a = .b }", "comparison between two fields"),
        ("{ 1 = .a }", "comparison with the literal on the left"),
    ],
)  # fmt: skip
def test_unsupported_constructs_are_named(query: str, construct: str) -> None:
    with pytest.raises(UnsupportedConstruct) as caught:
        parse(query)
    assert str(caught.value) == f"unsupported TraceQL construct: {construct}"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("resource.service.name", SVC),
        ("span.http.method", Attribute("span", "http.method")),
        (".foo", Attribute("any", "foo")),
        ("status", Intrinsic("status")),
    ],
)
def test_parse_field(text: str, field: object) -> None:
    assert parse_field(text) == field


@pytest.mark.parametrize("text", ["foo", "span.a b", ""])
def test_parse_field_rejects_non_fields(text: str) -> None:
    with pytest.raises(TraceQLSyntaxError):
        parse_field(text)
