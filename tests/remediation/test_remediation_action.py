from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from agent.errors import RemediationAborted
from agent.remediation.action import build_action
from agent.report.model import Precondition, Remediation, Target

NOW = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)


def _deployment(template_meta: dict[str, Any] | None, revision: str = "3") -> dict[str, Any]:
    template: dict[str, Any] = {"spec": {"containers": []}}
    if template_meta is not None:
        template["metadata"] = template_meta
    return {
        "metadata": {
            "uid": "u1",
            "resourceVersion": "77",
            "annotations": {"deployment.kubernetes.io/revision": revision},
        },
        "spec": {"replicas": 2, "template": template},
    }


def _rem(action: str, params: dict[str, Any] | None = None) -> Remediation:
    return Remediation(
        id="r",
        action=action,
        target=Target(kind="Deployment", namespace="ns", name="web"),
        params=params or {},
        rationale="x",
        risk="low",
        precondition=Precondition(resource_version="77"),
    )


@pytest.mark.parametrize(
    ("template_meta", "op"),
    [
        (
            None,
            {
                "op": "add",
                "path": "/spec/template/metadata",
                "value": {
                    "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-01T14:00:00Z"}
                },
            },
        ),
        (
            {"annotations": {"a": "b"}},
            {
                "op": "add",
                "path": "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt",
                "value": "2024-05-01T14:00:00Z",
            },
        ),
    ],
)
def test_restart_patch_fits_the_template(
    template_meta: dict[str, Any] | None, op: dict[str, Any]
) -> None:
    action = build_action(_rem("restart_deployment"), _deployment(template_meta), [], NOW)
    assert action.body[1:] == [op]
    assert action.body[0] == {"op": "test", "path": "/metadata/resourceVersion", "value": "77"}


def _rs(revision: str, owner: str = "u1") -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"web-{revision}",
            "annotations": {"deployment.kubernetes.io/revision": revision},
            "ownerReferences": [{"kind": "Deployment", "uid": owner}],
        },
        "spec": {"template": {"metadata": {"labels": {"pod-template-hash": "h"}}}},
    }


@pytest.mark.parametrize(
    ("replica_sets", "to_revision", "message"),
    [
        ([], 2, "no ReplicaSet"),
        ([_rs("2", owner="someone-else")], 2, "no ReplicaSet"),
        ([_rs("2"), _rs("2")], 2, "2 ReplicaSets"),
        ([_rs("3")], 3, "already at revision 3"),
    ],
)
def test_rollback_needs_one_owned_replica_set(
    replica_sets: list[dict[str, Any]], to_revision: int, message: str
) -> None:
    rem = _rem("rollback_deployment", {"to_revision": to_revision})
    with pytest.raises(RemediationAborted, match=message):
        build_action(rem, _deployment({}), replica_sets, NOW)


def test_action_digest_binds_the_exact_request() -> None:
    deployment = _deployment({})
    one = build_action(_rem("scale_deployment", {"replicas": 3}), deployment, [], NOW)
    two = build_action(_rem("scale_deployment", {"replicas": 4}), deployment, [], NOW)
    dry = build_action(_rem("scale_deployment", {"replicas": 3}), deployment, [], NOW, dry_run=True)
    assert len({one.sha256(), two.sha256(), dry.sha256()}) == 3
    assert "PATCH /apis/apps/v1/namespaces/ns/deployments/web/scale?" in one.show()
