"""The pure policy check: one call, the scope, the policy and the usage so far → a decision.

No I/O and no mutation. Argument values are treated as untrusted: a value of the wrong type
is denied, never converted. The first rule that fails decides, in this order: tool, call
counts, namespace, Kubernetes resource, ConfigMap keys, sizes, time range, query.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tools.base import Scope

from .decision import Allow, CallCounts, Decision, Deny, ToolCall
from .duration import format_duration, parse_duration
from .model import Policy, ToolRule
from .queries import check_query

_TIMEDELTA: TypeAdapter[timedelta] = TypeAdapter(timedelta)


def check(
    call: ToolCall,
    scope: Scope,
    policy: Policy,
    usage: CallCounts,
    *,
    now: datetime | None = None,
) -> Decision:
    """Decide whether ``call`` may run.

    Args:
        call: The call, with the arguments exactly as they will reach the tool.
        scope: What this investigation may read.
        policy: The allowlist.
        usage: Calls already allowed in this investigation.
        now: The investigation clock, to measure a range given by its start alone.

    Returns:
        ``Allow(rule)`` naming the tool's entry, or ``Deny(rule, reason)``.
    """
    rule = policy.tools.get(call.name)
    if rule is None:
        return Deny(
            "tool.not_allowed",
            f"tool {call.name!r} is not allowed; allowed: {', '.join(policy.allowed_tools())}",
        )
    max_range = min(rule.max_range or policy.scope.max_range, scope.max_range)
    for step in (
        _counts(call, rule, policy, usage),
        _namespace(call.arguments, rule, scope),
        _resource(call.arguments, rule, policy),
        _configmap_keys(call.arguments, rule, policy),
        _sizes(call.arguments, rule),
        _time_range(call.arguments, rule, max_range, now),
        _query(call.arguments, rule, scope, policy, max_range),
    ):
        if step is not None:
            return step
    return Allow(f"tools.{call.name}")


def _counts(call: ToolCall, rule: ToolRule, policy: Policy, usage: CallCounts) -> Deny | None:
    if usage.has_seen(call):
        return Deny(
            "calls.repeat",
            "this exact call already ran; use its result or try a different query",
        )
    if usage.per_tool.get(call.name, 0) >= rule.max_calls:
        return Deny("calls.cap", f"{call.name} may run {rule.max_calls} times per investigation")
    if usage.total >= policy.max_calls_total:
        return Deny("calls.cap", f"the investigation may make {policy.max_calls_total} tool calls")
    return None


def _namespace(args: dict[str, Any], rule: ToolRule, scope: Scope) -> Deny | None:
    if rule.namespace is None:
        return None
    value = args.get(rule.namespace.arg)
    if value is None:
        if rule.namespace.optional:
            return None  # the tool falls back to the alert's namespace (see the policy file)
        return Deny("scope.namespace", f"{rule.namespace.arg!r} is required")
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        return Deny("scope.namespace", f"{rule.namespace.arg!r} must be a namespace name")
    outside = sorted(v for v in values if not scope.allows_namespace(v))
    if outside:
        return Deny(
            "scope.namespace",
            f"namespace {', '.join(map(repr, outside))} is outside this investigation "
            f"(in scope: {', '.join(sorted(scope.namespaces)) or 'none'})",
        )
    return None


def _resource(args: dict[str, Any], rule: ToolRule, policy: Policy) -> Deny | None:
    if rule.resource_arg is None:
        return None
    value = args.get(rule.resource_arg)
    k8s = policy.kubernetes
    if not isinstance(value, str) or value not in k8s.allowed_resources:
        # Deny by default: case, singular or group-qualified spellings are not normalised.
        word = "denied" if _looks_denied(value, k8s.denied_resources) else "not allowed"
        return Deny(
            "k8s.resource_denied",
            f"resource {value!r} is {word}; allowed: {', '.join(k8s.allowed_resources)}",
        )
    namespaced = rule.namespace is not None and args.get(rule.namespace.arg) is not None
    if not namespaced and value not in policy.scope.cluster_scoped:
        return Deny(
            "scope.cluster",
            f"cluster-wide reads are allowed only for {', '.join(policy.scope.cluster_scoped)}; "
            "give a namespace",
        )
    return None


def _looks_denied(value: object, denied: list[str]) -> bool:
    text = str(value).lower()
    return any(d in text or d.rstrip("s") in text for d in denied)


def _configmap_keys(args: dict[str, Any], rule: ToolRule, policy: Policy) -> Deny | None:
    if rule.configmap_keys_arg is None or args.get(rule.configmap_keys_arg) is None:
        return None
    keys = args[rule.configmap_keys_arg]
    allowlist = policy.kubernetes.configmap_keys_allowlist
    if not isinstance(keys, list) or not all(isinstance(k, str) and k in allowlist for k in keys):
        return Deny(
            "k8s.configmap_key",
            f"only these ConfigMap keys may be read: {', '.join(allowlist) or 'none'}",
        )
    return None


def _sizes(args: dict[str, Any], rule: ToolRule) -> Deny | None:
    for name, cap in rule.sizes.items():
        value = args.get(name)
        if value is None:
            continue  # the tool's default applies; check_against_registry bounds it
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= cap:
            return Deny("size.limit", f"{name} must be an integer from 0 to {cap}, not {value!r}")
    return None


def _time_range(
    args: dict[str, Any], rule: ToolRule, max_range: timedelta, now: datetime | None
) -> Deny | None:
    if rule.time is None:
        return None
    limit = format_duration(max_range)
    try:
        start = _instant(args.get(rule.time.start) if rule.time.start else None)
        end = _instant(args.get(rule.time.end) if rule.time.end else None)
        lookback = _span(args.get(rule.time.lookback) if rule.time.lookback else None)
    except ValueError as exc:
        return Deny("range.invalid", str(exc))
    if lookback is not None and not timedelta() < lookback <= max_range:
        return Deny(
            "range.too_long",
            f"lookback {format_duration(lookback)} is over the maximum {limit}",
        )
    if start is not None:
        stop = end or now
        if stop is None:
            return Deny("range.invalid", "give end together with start")
        if stop < start:
            return Deny("range.invalid", "end is before start")
        if stop - start > max_range:
            return Deny(
                "range.too_long",
                f"the range {format_duration(stop - start)} is over the maximum {limit}; "
                "narrow start/end",
            )
    return None


def _instant(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not an RFC3339 time: {value!r}") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"times need a time zone: {value!r}")
    return value


def _span(value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            try:
                return _TIMEDELTA.validate_python(value, strict=False)
            except ValidationError:
                raise ValueError(f"not a duration (e.g. 30m): {value!r}") from None
    raise ValueError(f"not a duration (e.g. 30m): {value!r}")


def _query(
    args: dict[str, Any], rule: ToolRule, scope: Scope, policy: Policy, max_range: timedelta
) -> Deny | None:
    if rule.query is None or args.get(rule.query.arg) is None:
        return None
    query = args[rule.query.arg]
    if not isinstance(query, str):
        return Deny(f"{rule.query.language}.syntax", f"{rule.query.arg!r} must be a string")
    return check_query(rule.query.language, query, scope.namespaces, policy.queries, max_range)
