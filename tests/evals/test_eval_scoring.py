from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from agent.bundle.model import Truth
from agent.report.model import Report
from evals import scoring

T0 = datetime(2025, 4, 12, 14, 0, tzinfo=UTC)
TRUTH = Truth.model_validate(
    {
        "root_cause": {"component": "payments", "category": "deployment", "summary": "rev 12"},
        "aliases": ["payments-service"],
        "key_evidence": ["revision 12", "NullPointerException", "3.15.0", "payments 5xx"],
    }
)


def hyp(hid: str, component: str, status: str = "open", **extra: Any) -> dict[str, Any]:
    return {
        "id": hid,
        "component": component,
        "category": "dependency",
        "statement": f"{component} did it",
        "status": status,
        "confidence": 0.5,
        **extra,
    }


def report(root: str | None, *hypotheses: dict[str, Any], **extra: Any) -> Report:
    data: dict[str, Any] = {
        "investigation_id": "inv-1",
        "alert": {"fingerprint": "0" * 16, "name": "X"},
        "status": "complete",
        "brain": "scripted",
        "hypotheses": list(hypotheses),
        "started_at": T0,
        "finished_at": T0,
        **extra,
    }
    if root is not None:
        data["root_cause"] = {
            "component": root,
            "category": "deployment",
            "summary": "it broke",
            "confidence": 0.8,
        }
    return Report.model_validate(data)


@pytest.mark.parametrize(
    ("root", "rank"),
    [
        ("payments", 1),
        ("PAYMENTS", 1),  # case-insensitive
        ("Payments-Service", 1),  # an alias counts
        ("orders-db", 2),  # hypotheses follow the root cause
        (None, 2),  # without a root cause the hypotheses alone rank
    ],
)
def test_component_rank(root: str | None, rank: int) -> None:
    r = report(root, hyp("H1", "orders-db"), hyp("H2", "payments"))
    assert scoring.component_rank(r, TRUTH) == rank


def test_pod_name_counts_as_its_workload() -> None:
    r = report("orders-db", hyp("H1", "orders-db"), hyp("H2", "payments-8bx66ngscq-d4smb"))
    assert scoring.component_rank(r, TRUTH) == 2
    assert scoring.normalise("cart-cache-0") == "cart-cache"


def test_ac3_and_refuted_and_duplicates() -> None:
    r = report(
        "a",
        hyp("H1", "a"),  # repeated: keeps rank 1, does not push payments down
        hyp("H2", "payments", status="refuted"),  # refuted: not a candidate
        hyp("H3", "b"),
        hyp("H4", "c"),
        hyp("H5", "payments"),
    )
    rank = scoring.component_rank(r, TRUTH)
    assert rank == 4
    assert not scoring.hit_at(rank, 3) and scoring.hit_at(rank, 4)
    assert scoring.hit_at(3, 3) and not scoring.hit_at(None, 3)
    assert scoring.component_rank(report("x"), TRUTH) is None


@pytest.mark.parametrize(("rank", "avg5"), [(1, 1.0), (2, 0.8), (5, 0.2), (6, 0.0), (None, 0.0)])
def test_avg5_is_the_mean_of_ac1_to_ac5(rank: int | None, avg5: float) -> None:
    assert scoring.avg_at(rank, 5) == pytest.approx(avg5)


def test_category_match() -> None:
    assert scoring.category_match(report("x"), TRUTH)  # category is scored on its own
    assert not scoring.category_match(report(None, hyp("H1", "payments")), TRUTH)


def test_key_evidence_recall_looks_everywhere_case_insensitively() -> None:
    evidence = {
        "tool_call_id": "c1",
        "tool": "query_logs",
        "query": "{}",
        "quote": "java.lang.nullpointerexception at TaxRegionResolver",
        "verified": True,
    }
    r = report(
        None,
        hyp("H1", "payments", statement="Revision 12 of payments", evidence=[evidence]),
        timeline=[{"time": T0, "event": "image 3.15.0 rolled out", "source": "c2"}],
    )
    assert scoring.key_evidence_found(r, TRUTH) == ["revision 12", "NullPointerException", "3.15.0"]
    assert scoring.key_evidence_recall(r, TRUTH) == 0.75
    assert scoring.key_evidence_recall(r, TRUTH.model_copy(update={"key_evidence": []})) == 1.0


def test_verified_share() -> None:
    def ev(ok: bool) -> dict[str, Any]:
        return {"tool_call_id": "c", "tool": "t", "query": "q", "quote": "abc", "verified": ok}

    r = report(
        None, hyp("H1", "a", evidence=[ev(True), ev(False)]), hyp("H2", "b", evidence=[ev(True)])
    )
    assert scoring.verified_share(r) == pytest.approx(2 / 3)
    assert scoring.verified_share(report("a")) is None


def test_denials_count_only_denied() -> None:
    assert scoring.denials(["ok", "denied", "error", "denied", "truncated"]) == 2
