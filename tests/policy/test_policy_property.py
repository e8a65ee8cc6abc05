"""Property tests: no generated argument set is coerced into the allowlist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from policies.check import check
from policies.decision import Allow, CallCounts, ToolCall
from policies.duration import parse_duration
from policies.load import default_policy_path, load_policy
from tools.base import Scope

POLICY = load_policy(default_policy_path())
IN_SCOPE = ["payments", "db"]
NAMES = [*IN_SCOPE, "prod", "kube-system", "", "payments ", "PAYMENTS", "db|prod", ".*"]
SCOPE = Scope(namespaces=frozenset(IN_SCOPE), max_range=timedelta(hours=6))
NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**7),
    st.floats(allow_nan=False),
    st.sampled_from(NAMES),
    st.text(max_size=20),
    st.sampled_from(["30m", "7d", "1h30m", "PT30M", "2024-05-01T11:00:00Z", "2024-01-01T00:00:00"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
arg_names = st.sampled_from(
    ["namespace", "query", "start", "end", "lookback", "limit", "raw_lines", "workload", "kind"]
)
tool_names = st.sampled_from([*POLICY.tools, "exec", "get_secret", ""])


def _within(value: Any, cap: int) -> bool:
    return value is None or (type(value) is int and 0 <= value <= cap)


@settings(max_examples=400, deadline=None)
@given(name=tool_names, args=st.dictionaries(arg_names, values, max_size=6))
def test_every_allow_satisfies_the_policy(name: str, args: dict[str, Any]) -> None:
    decision = check(ToolCall("p", name, args), SCOPE, POLICY, CallCounts(), now=NOW)
    if not isinstance(decision, Allow):
        return
    rule = POLICY.tools[name]
    if rule.namespace is not None:
        ns = args.get(rule.namespace.arg)
        names = ns if isinstance(ns, list) else [ns]
        assert (ns is None and rule.namespace.optional) or all(n in IN_SCOPE for n in names)
    for arg, cap in rule.sizes.items():
        assert _within(args.get(arg), cap)
    if rule.time is not None and rule.time.lookback:
        lookback = args.get(rule.time.lookback)
        assert lookback is None or isinstance(lookback, str)
        if isinstance(lookback, str) and lookback[:1].isdigit():
            assert parse_duration(lookback) <= timedelta(hours=6)
    if rule.query is not None:
        assert args.get(rule.query.arg) is None or isinstance(args[rule.query.arg], str)


# LogQL built from pieces whose true stream-selector namespaces are known, with decoys that
# mention namespaces inside strings and label filters.
decoys = st.sampled_from(
    [
        ' |= "{namespace=\\"prod\\"}"',
        ' |= `namespace="prod"}`',
        ' | namespace="prod"',
        ' | line_format "{{.namespace}}"',
        ' != "namespace=~\\".*\\""',
        "",
    ]
)
matchers = st.tuples(st.sampled_from(["=", "=~", "!=", "!~"]), st.sampled_from(NAMES))


@st.composite
def logql(draw: st.DrawFn) -> tuple[str, list[list[tuple[str, str]]]]:
    selectors = draw(st.lists(st.lists(matchers, max_size=3), min_size=1, max_size=3))
    parts = []
    for sel in selectors:
        inner = ", ".join(f'namespace{op}"{value}"' for op, value in sel) or 'app="x"'
        parts.append("{" + inner + "}" + draw(decoys))
    return " or ".join(parts), selectors


@settings(max_examples=400, deadline=None)
@given(logql())
def test_allowed_logql_selects_only_in_scope(case: tuple[str, list[list[tuple[str, str]]]]) -> None:
    query, selectors = case
    decision = check(ToolCall("q", "query_logs", {"query": query}), SCOPE, POLICY, CallCounts())
    truly_scoped = all(
        any(op in {"=", "=~"} for op, _ in sel)
        and all(
            v in IN_SCOPE or (op == "=~" and set(v.split("|")) <= set(IN_SCOPE))
            for op, v in sel
            if op in {"=", "=~"}
        )
        for sel in selectors
    )
    assert isinstance(decision, Allow) == truly_scoped, (query, decision)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["query_logs", "query_metrics"]), st.text(max_size=60))
def test_check_never_raises_on_arbitrary_queries(tool: str, text: str) -> None:
    decision = check(ToolCall("q", tool, {"query": text}), SCOPE, POLICY, CallCounts())
    assert decision.rule
