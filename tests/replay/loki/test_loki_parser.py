"""Parser table tests: valid LogQL → expected tree and round-trip; invalid → named error."""

from __future__ import annotations

import pytest

from agent.replay.loki import nodes as n
from agent.replay.loki.errors import LogQLParseError
from agent.replay.loki.parser import parse, parse_selector

APP = n.Matcher("app", "=", "web")
SEL = n.LogSelector((APP,))

VALID: list[tuple[str, n.Expr]] = [
    ('{app="web"}', SEL),
    (
        '{app="web", env!="dev", pod=~"web-.*", ns!~"kube-.+"}',
        n.LogSelector(
            (
                APP,
                n.Matcher("env", "!=", "dev"),
                n.Matcher("pod", "=~", "web-.*"),
                n.Matcher("ns", "!~", "kube-.+"),
            )
        ),
    ),
    (
        '{app="web"} |= "err" != `health\\z` |~ "(?i)time(out)?" !~ "debug"',
        n.LogSelector(
            (APP,),
            (
                n.LineFilter("|=", ("err",)),
                n.LineFilter("!=", ("health\\z",)),
                n.LineFilter("|~", ("(?i)time(out)?",)),
                n.LineFilter("!~", ("debug",)),
            ),
        ),
    ),
    ('{app="web"} |= "a" or "b"', n.LogSelector((APP,), (n.LineFilter("|=", ("a", "b")),))),
    ('{app="web"} |= "tab\\there"', n.LogSelector((APP,), (n.LineFilter("|=", ("tab\there",)),))),
    (
        '{app="web"} | json | logfmt --strict --keep-empty | regexp "(?P<x>\\\\d+)" '
        '| pattern "<ip> <_>"',
        n.LogSelector(
            (APP,),
            (
                n.JsonParser(),
                n.LogfmtParser(strict=True, keep_empty=True),
                n.RegexpParser("(?P<x>\\d+)"),
                n.PatternParser("<ip> <_>"),
            ),
        ),
    ),
    (
        '{app="web"} | json code="status.code", first="items[0]", msg',
        n.LogSelector(
            (APP,),
            (n.JsonParser((("code", "status.code"), ("first", "items[0]"), ("msg", "msg"))),),
        ),
    ),
    (
        '{app="web"} | json | status >= 500 and level="error" or dur > 1.5s, size <= 10KB',
        n.LogSelector(
            (APP,),
            (
                n.JsonParser(),
                n.LabelFilter(
                    n.OrFilter(
                        n.AndFilter(
                            n.NumericFilter("status", ">=", 500.0, "number", "500"),
                            n.Matcher("level", "=", "error"),
                        ),
                        n.AndFilter(
                            n.NumericFilter("dur", ">", 1.5, "duration", "1.5s"),
                            n.NumericFilter("size", "<=", 10_000.0, "bytes", "10KB"),
                        ),
                    )
                ),
            ),
        ),
    ),
    (
        '{app="web"} | logfmt | (a="1" or b="2") c=~"x.*"',
        n.LogSelector(
            (APP,),
            (
                n.LogfmtParser(),
                n.LabelFilter(
                    n.AndFilter(
                        n.OrFilter(n.Matcher("a", "=", "1"), n.Matcher("b", "=", "2")),
                        n.Matcher("c", "=~", "x.*"),
                    )
                ),
            ),
        ),
    ),
    (
        '{app="web"} | logfmt | n == -2 | m = 3 | line_format "{{.msg}}"',
        n.LogSelector(
            (APP,),
            (
                n.LogfmtParser(),
                n.LabelFilter(n.NumericFilter("n", "==", -2.0, "number", "-2")),
                n.LabelFilter(n.NumericFilter("m", "==", 3.0, "number", "3")),
                n.LineFormat("{{.msg}}"),
            ),
        ),
    ),
    ('{app="web"} | json="x"', n.LogSelector((APP,), (n.LabelFilter(n.Matcher("json", "=", "x")),))),
    (
        'count_over_time({app="web"} |= "x" [5m])',
        n.RangeAggregation("count_over_time", n.LogSelector((APP,), (n.LineFilter("|=", ("x",)),)), 300 * 10**9, "5m"),
    ),
    (
        'rate({app="web"}[1h30m] |= "x")',
        n.RangeAggregation("rate", n.LogSelector((APP,), (n.LineFilter("|=", ("x",)),)), 5400 * 10**9, "1h30m"),
    ),
    (
        'sum by (pod) (bytes_rate({app="web"}[30s]))',
        n.VectorAggregation("sum", n.RangeAggregation("bytes_rate", SEL, 30 * 10**9, "30s"), n.Grouping(False, ("pod",))),
    ),
    (
        'avg(bytes_over_time({app="web"}[1m])) without (pod, node)',
        n.VectorAggregation("avg", n.RangeAggregation("bytes_over_time", SEL, 60 * 10**9, "1m"), n.Grouping(True, ("pod", "node"))),
    ),
    (
        'topk(3, max by (path) (count_over_time({app="web"} | json [1m])))',
        n.VectorAggregation(
            "topk",
            n.VectorAggregation("max", n.RangeAggregation("count_over_time", n.LogSelector((APP,), (n.JsonParser(),)), 60 * 10**9, "1m"), n.Grouping(False, ("path",))),
            None,
            3,
        ),
    ),
    (
        '(count(rate({app="web"}[1m])))  # a comment\n',
        n.VectorAggregation("count", n.RangeAggregation("rate", SEL, 60 * 10**9, "1m")),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("query", "expected"), VALID, ids=[q for q, _ in VALID])
def test_parses_to_tree_and_round_trips(query: str, expected: n.Expr) -> None:
    tree = parse(query)
    assert tree == expected
    assert parse(str(tree)) == tree


INVALID: list[tuple[str, str]] = [
    ('{app="web"', "parse error at line 1, col 11: syntax error: unexpected $end, expecting CLOSE_BRACE"),
    ('{app="web"} foo', "parse error at line 1, col 13: syntax error: unexpected IDENTIFIER"),
    ('{app=web}', "col 6: syntax error: unexpected IDENTIFIER, expecting STRING"),
    ("{}", "syntax error: unexpected CLOSE_BRACE, expecting IDENTIFIER"),
    ('{app=~".*"}', "queries require at least one regexp or equality matcher"),
    ('{app="", env!="x"}', "queries require at least one regexp or equality matcher"),
    ('{app="web"} |= "x', "unterminated string"),
    ('{app="web"} |= "\\q"', "invalid escape \\q"),
    ('{app=~"(a"}', "error parsing regexp"),
    ('{app="web"}\n | json | x > ', "parse error at line 2, col 15: syntax error: unexpected $end, expecting NUMBER or DURATION or BYTES"),
    ('{app="web"} | unwrap latency', "unsupported LogQL construct: unwrap"),
    ('{app="web"} | label_format a="b"', "unsupported LogQL construct: label_format"),
    ('{app="web"} | keep a', "unsupported LogQL construct: keep"),
    ('{app="web"} | drop a', "unsupported LogQL construct: drop"),
    ('{app="web"} |> "<_> x"', "unsupported LogQL construct: pattern line filter |>"),
    ('{app="web"} |= ip("10.0.0.1")', "unsupported LogQL construct: ip() line filter"),
    ('{app="web"} | logfmt a="b"', "unsupported LogQL construct: logfmt label extraction parameters"),
    ('{app="web"} | logfmt --loose', "invalid logfmt flag --loose"),
    ('rate({app="web"}[5m] offset 1h)', "unsupported LogQL construct: offset"),
    ('sum_over_time({app="web"} | unwrap x [5m])', "unsupported LogQL construct: sum_over_time (needs unwrap)"),
    ('absent_over_time({app="web"}[5m])', "unsupported LogQL construct: absent_over_time"),
    ('stddev(rate({app="web"}[5m]))', "unsupported LogQL construct: stddev"),
    ('sum(rate({app="web"}[5m])) / 2', "unsupported LogQL construct: binary operator /"),
    ('rate({app="web"}[5m]) or rate({app="x"}[5m])', "unsupported LogQL construct: binary operator or"),
    ("1 + 1", "unsupported LogQL construct: literal expression"),
    ('rate({app="web"}[5m]) by (pod)', "grouping not allowed for rate aggregation"),
    ('rate({app="web"})', "syntax error: unexpected CLOSE_PARENTHESIS, expecting OPEN_BRACKET"),
    ('rate({app="web"}[5])', "syntax error: unexpected NUMBER, expecting DURATION"),
    ('topk(0, rate({app="web"}[5m]))', "invalid parameter (must be strictly positive integer) for operation topk"),
    ('topk(rate({app="web"}[5m]))', "syntax error: unexpected RATE, expecting NUMBER"),
    ('sum({app="web"})', "sum needs a metric expression, got a log query"),
    ('sum by (a) (rate({app="web"}[1m])) by (b)', "syntax error: unexpected BY"),
    ('{app="web"} | x > "1"', "col 19: syntax error: unexpected STRING, expecting NUMBER or DURATION"),
    ('{app="web"} | x "1"', "syntax error: unexpected STRING, expecting a label filter operator"),
    ('{app="web"} | x > ip("1.1.1.1")', "unsupported LogQL construct: ip() label filter"),
    ('{app="web"} $', "syntax error: unexpected character '$'"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "message"), INVALID, ids=[q for q, _ in INVALID])
def test_rejects_with_a_named_error(query: str, message: str) -> None:
    with pytest.raises(LogQLParseError) as caught:
        parse(query)
    assert message in str(caught.value)
    assert str(caught.value).startswith("parse error")


def test_selector_only_parser_rejects_pipelines() -> None:
    assert parse_selector('{app="web"}') == SEL
    with pytest.raises(LogQLParseError, match="only label matchers are supported"):
        parse_selector('{app="web"} |= "x"')
