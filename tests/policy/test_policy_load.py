"""Loading policy files: errors name file, line and field; drift against the registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field

from agent.errors import PolicyConfigError
from policies.load import check_against_registry, default_policy_path, load_policy, load_policy_text
from policies.model import ALWAYS_DENIED
from tools.base import Registry, Tool, ToolContext, ToolInput, ToolResult

GOOD = """\
version: 1
max_calls_total: 10
kubernetes:
  allowed_resources: [pods, nodes]
tools:
  pod_status:
    max_calls: 3
    namespace: {arg: namespace}
    resources: [pods]
"""


def test_minimal_policy_loads() -> None:
    policy = load_policy_text(GOOD)
    assert policy.allowed_tools() == ["pod_status"]
    assert policy.scope.cluster_scoped == ["nodes"]


def test_default_policy_never_allows_the_always_denied() -> None:
    policy = load_policy(default_policy_path())
    assert not ALWAYS_DENIED & set(policy.kubernetes.allowed_resources)


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (GOOD.replace("max_calls: 3", "max_calls: 0"), 7, "tools.pod_status.max_calls"),
        (GOOD.replace("max_calls: 3", 'max_calls: "3"'), 7, "tools.pod_status.max_calls"),
        (GOOD.replace("    max_calls: 3\n", ""), 6, "tools.pod_status.max_calls"),
        (
            GOOD.replace("[pods, nodes]", "[pods, nodes, secrets]"),
            4,
            "kubernetes.allowed_resources.2",
        ),
        (
            GOOD.replace("resources: [pods]", "resources: [pods, deployments]"),
            9,
            "tools.pod_status.resources.1",
        ),
        (
            GOOD.replace("namespace: {arg: namespace}", "namespace: {arg: namespace, kind: x}"),
            8,
            "tools.pod_status.namespace.kind",
        ),
        (GOOD + "    max_range: forever\n", 10, "tools.pod_status.max_range"),
        (GOOD.replace("version: 1", "version: 2"), 1, "version"),
        (GOOD + "  pod_status:\n    max_calls: 9\n", 10, "tools.pod_status"),
        (GOOD.replace("    namespace: {arg: namespace}\n", ""), 8, "tools.pod_status.resources.0"),
    ],
)
def test_bad_policy_names_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(PolicyConfigError) as info:
        load_policy_text(text, "p.yaml")
    assert f"p.yaml:{line}: {field}" in str(info.value)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ntools: [unclosed\n")
    with pytest.raises(PolicyConfigError, match=r"bad\.yaml:3: not valid YAML"):
        load_policy(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


class PodInput(ToolInput):
    namespace: str
    workload: str | None = None


class LogsInput(ToolInput):
    namespace: str
    query: str
    limit: int = Field(default=10_000)


def _noop(args: ToolInput, ctx: ToolContext) -> ToolResult:
    """Do nothing."""
    return ToolResult(tool="x", status="ok")


def test_registry_drift_is_reported() -> None:
    policy = load_policy_text(
        GOOD
        + "  ghost:\n    max_calls: 1\n"
        + "  query_logs:\n    max_calls: 1\n    query: {arg: query, language: logql}\n"
        + "    sizes: {limit: 5000, raw_lines: 50}\n"
    )
    registry = Registry(
        [
            Tool("pod_status", PodInput, _noop),
            Tool("query_logs", LogsInput, _noop),
            Tool("unruled", PodInput, _noop),
        ]
    )
    problems = check_against_registry(policy, registry)
    assert problems == [
        "policy allows 'ghost', but no such tool is registered",
        "query_logs: the rule names argument 'raw_lines', which it lacks",
        "query_logs: default limit=10000 is not within the cap 5000",
        "query_logs: field 'namespace' is not declared as its namespace",
        "tool 'unruled' is registered but has no policy rule",
    ]


def test_matching_registry_has_no_drift() -> None:
    registry = Registry([Tool("pod_status", PodInput, _noop)])
    assert check_against_registry(load_policy_text(GOOD), registry) == []


def test_default_policy_matches_the_real_registry() -> None:
    """CI guard (security case 30): every registered tool has a rule and vice versa."""
    from tools.catalog import all_tools  # the lead ensures this exists before merging

    registry = Registry(list(all_tools()))
    assert check_against_registry(load_policy(default_policy_path()), registry) == []
