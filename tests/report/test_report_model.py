from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from agent.report.model import (
    SCHEMA_PATH,
    AlertRef,
    Remediation,
    Report,
    RootCause,
    Target,
    TimelineEvent,
    schema_text,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _report(**fields: Any) -> Report:
    base: dict[str, Any] = {
        "investigation_id": "inv-1",
        "alert": AlertRef(fingerprint="f1", name="HighErrorRate", labels={"namespace": "shop"}),
        "status": "complete",
        "brain": "scripted",
        "started_at": T0,
        "finished_at": T0 + timedelta(minutes=2),
    }
    base.update(fields)
    return Report(**base)


@pytest.mark.parametrize(
    "component", ["cart-7d9f8b6c5-x2k4j", "payments-api-5b6c7d8f9-x7k2p", "CART-7D9F8B6C5-X2K4J"]
)
def test_root_cause_rejects_pod_names(component: str) -> None:
    with pytest.raises(ValidationError, match="looks like a pod name"):
        RootCause(component=component, category="deployment", summary="s", confidence=0.5)


@pytest.mark.parametrize(
    "component", ["cart", "payments-api", "redis-cluster", "node-pool-b", "ledger-0", "kube-dns"]
)
def test_root_cause_accepts_workload_names(component: str) -> None:
    cause = RootCause(component=component, category="resource", summary="s", confidence=1.0)
    assert cause.component == component


@pytest.mark.parametrize("confidence", [-0.01, 1.01, 2])
def test_confidence_is_bounded(confidence: float) -> None:
    with pytest.raises(ValidationError):
        RootCause(component="cart", category="code", summary="s", confidence=confidence)


def test_unknown_category_and_extra_fields_rejected() -> None:
    with pytest.raises(ValidationError):
        RootCause(component="cart", category="vibes", summary="s", confidence=0.5)
    with pytest.raises(ValidationError):
        AlertRef(fingerprint="f", name="n", labels={}, extra="x")  # type: ignore[call-arg]


def _remediation(action: str, params: dict[str, Any], kind: str = "Deployment") -> Remediation:
    return Remediation(
        id="r1",
        action=action,
        target=Target(kind=kind, namespace="shop", name="cart"),
        params=params,
        rationale="why",
        risk="low",
    )


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("rollback_deployment", {}, "to_revision"),
        ("rollback_deployment", {"to_revision": "6"}, "to_revision"),
        ("rollback_deployment", {"to_revision": True}, "to_revision"),
        ("scale_deployment", {"replicas": 0}, "at least 1"),
        ("scale_deployment", {"replicas": 3, "force": 1}, "no parameter"),
        ("restart_deployment", {"command": "rm -rf /"}, "no parameter"),
    ],
)
def test_remediation_params_follow_the_catalogue(
    action: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _remediation(action, params)


def test_remediation_kind_must_be_deployment_unless_manual() -> None:
    with pytest.raises(ValidationError, match="not a StatefulSet"):
        _remediation("restart_deployment", {}, kind="StatefulSet")
    assert _remediation("manual", {}, kind="Node").action == "manual"


def test_timeline_sorted_and_remediation_ids_unique() -> None:
    late = TimelineEvent(time=T0 + timedelta(minutes=5), event="b", source="k8s")
    early = TimelineEvent(time=T0, event="a", source="k8s")
    assert [e.event for e in _report(timeline=[late, early]).timeline] == ["a", "b"]
    rem = _remediation("restart_deployment", {})
    with pytest.raises(ValidationError, match="unique"):
        _report(remediations=[rem, rem])


def test_json_round_trip() -> None:
    report = _report(
        root_cause=RootCause(component="cart", category="code", summary="s", confidence=0.7),
        remediations=[_remediation("scale_deployment", {"replicas": 4})],
    )
    assert Report.model_validate_json(report.model_dump_json()) == report


def test_naive_datetimes_rejected() -> None:
    with pytest.raises(ValidationError):
        _report(started_at=datetime(2024, 5, 1, 12))


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "report.schema.json is stale: run "
        "python -c 'from agent.report.model import write_schema; write_schema()'"
    )
