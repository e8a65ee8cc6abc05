"""Policy rules for LogQL and PromQL: selectors stay inside the scope, ranges stay bounded."""

from __future__ import annotations

import re
from collections.abc import Set
from datetime import timedelta
from typing import Literal

from .decision import Deny
from .duration import format_duration
from .model import QueryRule
from .tokens import Matcher, QuerySyntaxError, Selector, read_query

# The only regex accepted on a namespace label: an alternation of literal namespace names.
_NAME_ALTERNATION = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\|[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def check_query(
    language: Literal["logql", "promql"],
    query: str,
    namespaces: Set[str],
    rule: QueryRule,
    max_range: timedelta,
) -> Deny | None:
    """Why ``query`` must not run, or ``None`` when it stays in scope and in range."""
    try:
        shape = read_query(query, bare_metrics=language == "promql")
    except QuerySyntaxError as exc:
        return Deny(f"{language}.syntax", f"the query cannot be checked: {exc}")
    for duration in (*shape.ranges, *shape.offsets):
        if duration > max_range:
            return Deny(
                "range.too_long",
                f"the query reaches back {format_duration(duration)}; "
                f"the maximum is {format_duration(max_range)}",
            )
    if shape.pinned:
        return Deny(
            "range.too_long",
            "'@ <timestamp>' pins the query to an arbitrary time; use the start/end arguments",
        )
    for selector in shape.selectors:
        denial = _check_selector(language, selector, namespaces, rule)
        if denial is not None:
            return denial
    return None


def _check_selector(
    language: str, selector: Selector, namespaces: Set[str], rule: QueryRule
) -> Deny | None:
    labels = set(rule.namespace_labels)
    positive = [m for m in selector.matchers if m.name in labels and m.op in {"=", "=~"}]
    scope = "|".join(sorted(namespaces))
    for matcher in positive:
        names = _names(matcher)
        if names is None:
            return Deny(
                f"{language}.namespace_out_of_scope",
                f"{matcher.name}=~{matcher.value!r} is not a list of namespace names; "
                f'write {matcher.name}=~"{scope}" or a subset',
            )
        outside = names - namespaces
        if outside:
            return Deny(
                f"{language}.namespace_out_of_scope",
                f"namespace {', '.join(sorted(outside))} is outside this investigation "
                f"(in scope: {', '.join(sorted(namespaces)) or 'none'})",
            )
    if positive:
        return None
    metric = selector.metric_name()
    if language == "promql" and metric and metric.startswith(tuple(rule.unscoped_metric_prefixes)):
        return None
    what = f"{metric}" if metric else "{…}"
    return Deny(
        f"{language}.unscoped_selector",
        f"the selector {what} does not constrain {rule.namespace_labels[0]}; "
        f'add {rule.namespace_labels[0]}="<ns>" or {rule.namespace_labels[0]}=~"{scope}"',
    )


def _names(matcher: Matcher) -> set[str] | None:
    """The namespaces a positive matcher can select, or ``None`` for an arbitrary regex."""
    if matcher.op == "=":
        return {matcher.value}
    if not _NAME_ALTERNATION.fullmatch(matcher.value):
        return None
    return set(matcher.value.split("|"))
