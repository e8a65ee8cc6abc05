"""The allowlist policy as data: which tools may run, on which arguments, within which limits.

The policy names, for each tool, *which argument* carries the namespace, the query, the time
range and the sizes, so the pure check never needs to know a tool's internals. Anything the
policy does not name is denied: an unlisted tool, a Kubernetes resource outside
``allowed_resources``, a namespace outside the investigation's scope.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PositiveInt

from .duration import parse_duration

# Resources no policy file may allow, whatever it says: credentials, RBAC, and the
# subresources that execute or tunnel. A CI test fails if the default policy drifts here.
ALWAYS_DENIED = frozenset(
    {
        "secrets",
        "roles",
        "rolebindings",
        "clusterroles",
        "clusterrolebindings",
        "serviceaccounts/token",
        "pods/exec",
        "pods/attach",
        "pods/portforward",
        "pods/proxy",
        "services/proxy",
        "nodes/proxy",
        "proxies",
    }
)

Loc = tuple[str | int, ...]


def _duration(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
ArgName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NamespaceArg(_Strict):
    """The argument naming the namespace (a string or a list of strings) a call reads."""

    arg: ArgName
    # True when the tool itself falls back to the alert's namespace if the argument is
    # absent; otherwise an absent namespace is denied rather than guessed.
    optional: bool = False


class QueryArg(_Strict):
    """The argument holding a query, and its language."""

    arg: ArgName
    language: Literal["logql", "promql"]


class TimeArgs(_Strict):
    """The arguments that bound a call in time; any may be omitted."""

    start: ArgName | None = None
    end: ArgName | None = None
    lookback: ArgName | None = None


class ToolRule(_Strict):
    """What one tool may do."""

    max_calls: PositiveInt
    max_range: Duration | None = Field(default=None, strict=False)
    namespace: NamespaceArg | None = None
    query: QueryArg | None = None
    time: TimeArgs | None = None
    sizes: dict[ArgName, PositiveInt] = Field(default_factory=dict)  # caps; 0 is always allowed
    resources: list[str] = Field(default_factory=list)
    resource_arg: ArgName | None = None
    configmap_keys_arg: ArgName | None = None

    def argument_names(self) -> list[str]:
        """Every argument name this rule refers to."""
        names = [*self.sizes]
        for name in (
            self.namespace.arg if self.namespace else None,
            self.query.arg if self.query else None,
            self.resource_arg,
            self.configmap_keys_arg,
            *((self.time.start, self.time.end, self.time.lookback) if self.time else ()),
        ):
            if name is not None:
                names.append(name)
        return names


class ScopeRule(_Strict):
    """How an investigation's scope is derived from its alert and the service catalogue."""

    namespace_labels: list[str] = Field(default_factory=lambda: ["namespace"], min_length=1)
    service_labels: list[str] = Field(default_factory=lambda: ["service"])
    include_dependencies: bool = True
    cluster_scoped: list[str] = Field(default_factory=lambda: ["nodes"])
    max_range: Duration = Field(default=timedelta(hours=6), strict=False)


class KubernetesRule(_Strict):
    """Which Kubernetes resources may be read at all."""

    allowed_resources: list[str] = Field(min_length=1)
    denied_resources: list[str] = Field(default_factory=list)
    configmap_keys_allowlist: list[str] = Field(default_factory=list)


class QueryRule(_Strict):
    """How queries must name their namespaces."""

    namespace_labels: list[str] = Field(default_factory=lambda: ["namespace"], min_length=1)
    # PromQL metrics that carry no namespace label (node and probe metrics) may omit it.
    unscoped_metric_prefixes: list[str] = Field(default_factory=list)


class Policy(_Strict):
    """The whole allowlist."""

    version: Literal[1]
    max_calls_total: PositiveInt
    scope: ScopeRule = Field(default_factory=ScopeRule)
    kubernetes: KubernetesRule
    queries: QueryRule = Field(default_factory=QueryRule)
    tools: dict[str, ToolRule] = Field(min_length=1)

    def allowed_tools(self) -> list[str]:
        """Names of every allowed tool, sorted."""
        return sorted(self.tools)


def cross_check(policy: Policy) -> list[tuple[Loc, str]]:
    """Problems that span sections of the policy, each located by its path in the file."""
    problems: list[tuple[Loc, str]] = []
    k8s = policy.kubernetes
    allowed, denied = set(k8s.allowed_resources), set(k8s.denied_resources)
    for index, name in enumerate(k8s.allowed_resources):
        if name in ALWAYS_DENIED or name in denied:
            problems.append(
                (("kubernetes", "allowed_resources", index), f"resource {name!r} is never allowed")
            )
    cluster = set(policy.scope.cluster_scoped)
    for index, name in enumerate(policy.scope.cluster_scoped):
        if name not in allowed:
            problems.append(
                (("scope", "cluster_scoped", index), f"{name!r} is not an allowed resource")
            )
    for tool, rule in policy.tools.items():
        for index, name in enumerate(rule.resources):
            if name not in allowed:
                problems.append(
                    (("tools", tool, "resources", index), f"{name!r} is not an allowed resource")
                )
            elif rule.namespace is None and name not in cluster:
                problems.append(
                    (
                        ("tools", tool, "resources", index),
                        f"namespaced resource {name!r} needs a namespace argument",
                    )
                )
        names = rule.argument_names()
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append((("tools", tool), f"argument {name!r} is given two roles"))
    return problems
