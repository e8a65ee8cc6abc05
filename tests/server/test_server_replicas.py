"""Three real ``agent serve`` replicas on one store, one SIGKILLed midway (bounded load test).

The same check as ``python -m evals.replicas`` (part of ``make bench``) with fewer alerts:
exactly one investigation per alert group, all finished, none duplicated, none lost, and the
killed replica's investigations taken over from their last completed step.
"""

from __future__ import annotations

import json

import pytest

from evals.replicas import LoadPlan, run_replicas

pytestmark = [pytest.mark.slow]

# 24 groups keep every worker busy for several rounds, so the kill at half-way finds work in
# flight on the victim whatever the machine's speed.
PLAN = LoadPlan(alerts=480, groups=24, replicas=3, clients=4)


def test_replicas_on_postgres_survive_a_sigkill(postgres_url: str) -> None:
    result = run_replicas("postgres", PLAN, database_url=postgres_url)
    _check(result)


def test_replicas_on_one_sqlite_file_survive_a_sigkill() -> None:
    _check(run_replicas("sqlite", PLAN))


def _check(result: dict[str, object]) -> None:
    explained = json.dumps(result, indent=2)
    assert result["checks"] == {
        "exactly_one_per_group": True,
        "all_finished": True,
        "none_lost": True,
        "turns_complete": True,
        "resumed_from_last_step": True,
        "killed_replica_work_taken_over": True,
    }, explained
    assert result["investigations"] == PLAN.groups and result["acknowledged"] == PLAN.alerts
    assert result["killed_holding"] >= 1 and result["taken_over"] >= result["killed_holding"]  # type: ignore[operator]
