"""The work queue on both backends: claims, leases, takeover from the last step, fencing."""

from __future__ import annotations

from collections import Counter

import pytest
from store_fakes import Backend, Clock, admit, alert, at_once, report, state_with_turns

from agent.errors import LeaseLost
from agent.report.model import Remediation, Target


def _queue(store, names):  # type: ignore[no-untyped-def]
    ids = []
    for name in names:
        store._clock.now += 1  # type: ignore[attr-defined]  # distinct creation times
        ids.append(admit(store, alert(name), 0, 1000).investigation_id)
    return ids


def test_claims_take_the_oldest_first_and_each_once(backend: Backend) -> None:
    clock = Clock()
    store = backend.open(clock)
    ids = _queue(store, ["A", "B"])
    first, second = store.queue.claim("r1"), store.queue.claim("r2")
    assert first is not None and second is not None
    assert [first.id, second.id] == ids
    assert (first.status, first.replica, first.attempts) == ("running", "r1", 1)
    assert store.queue.claim("r3") is None
    assert store.get(ids[1]).replica == "r2"  # type: ignore[union-attr]


def test_replicas_claiming_at_once_never_share_an_investigation(backend: Backend) -> None:
    clock = Clock()
    replicas = [backend.open(clock) for _ in range(4)]
    ids = _queue(replicas[0], [f"A{i}" for i in range(12)])

    def drain(store, owner):  # type: ignore[no-untyped-def]
        got = []
        while (row := store.queue.claim(owner)) is not None:
            got.append(row.id)
        return got

    claimed = at_once([lambda s=s, i=i: drain(s, f"r{i}") for i, s in enumerate(replicas)])
    everything = [i for got in claimed for i in got]
    assert Counter(everything) == Counter(ids)


def test_an_expired_lease_is_taken_over_from_the_last_completed_step(backend: Backend) -> None:
    clock = Clock()
    dead, alive = backend.open(clock, lease_seconds=30), backend.open(clock, lease_seconds=30)
    (inv,) = _queue(dead, ["A"])
    row = dead.queue.claim("dead")
    assert row is not None
    dead.queue.save_step(state_with_turns(inv, row.alert, 2), "dead")
    clock.now += 29
    assert alive.queue.claim("alive") is None  # still leased
    clock.now += 2
    taken = alive.queue.claim("alive")
    assert taken is not None and taken.id == inv
    assert (taken.replica, taken.attempts, taken.step) == ("alive", 2, 2)
    assert taken.state is not None and [t.index for t in taken.state.turns] == [0, 1]
    # The successor goes on from step 2; every stored turn is there exactly once.
    alive.queue.save_step(state_with_turns(inv, row.alert, 4), "alive")
    assert [t["index"] for t in alive.turns(inv)] == [0, 1, 2, 3]
    assert alive.queue.finish(inv, report(inv, row.alert), "alive") == "done"


def test_a_replica_that_lost_its_lease_cannot_write(backend: Backend) -> None:
    clock = Clock()
    stalled, successor = backend.open(clock), backend.open(clock)
    (inv,) = _queue(stalled, ["A"])
    row = stalled.queue.claim("stalled")
    assert row is not None
    clock.now += 31
    assert successor.queue.claim("successor") is not None
    assert stalled.queue.renew(["stalled"], [inv]) == set()
    with pytest.raises(LeaseLost, match="another replica"):
        stalled.queue.save_step(state_with_turns(inv, row.alert, 3), "stalled")
    with pytest.raises(LeaseLost):
        stalled.queue.finish(inv, report(inv, row.alert), "stalled")
    with pytest.raises(LeaseLost):
        stalled.queue.fail(inv, "boom", "stalled")
    after = successor.get(inv)
    assert after is not None and (after.status, after.replica, after.step) == (
        "running",
        "successor",
        0,
    )
    assert successor.turns(inv) == []


def test_heartbeats_keep_a_lease(backend: Backend) -> None:
    clock = Clock()
    store, other = backend.open(clock), backend.open(clock)
    (inv,) = _queue(store, ["A"])
    assert store.queue.claim("r1") is not None
    for _ in range(5):
        clock.now += 20
        assert store.queue.renew(["r1"], [inv]) == {inv}
        assert other.queue.claim("r2") is None


def test_release_requeues_without_counting_an_attempt(backend: Backend) -> None:
    clock = Clock()
    store = backend.open(clock)
    (inv,) = _queue(store, ["A"])
    assert store.queue.claim("r1") is not None
    assert store.queue.release(["r1"]) == [inv]
    again = store.queue.claim("r2")
    assert again is not None and again.id == inv and again.attempts == 1


def test_an_investigation_that_kills_every_replica_is_given_up(backend: Backend) -> None:
    clock = Clock()
    store = backend.open(clock)
    (inv,) = _queue(store, ["A"])
    for attempt in range(3):
        row = store.queue.claim(f"r{attempt}")
        assert row is not None and row.attempts == attempt + 1
        clock.now += 31  # the replica died holding it
    assert store.queue.claim("r9") is None
    gone = store.get(inv)
    assert gone is not None and gone.status == "failed"
    assert "abandoned after 3 attempts" in (gone.error or "") and "r2" in (gone.error or "")


def test_finish_waits_for_approval_of_executable_remediations(backend: Backend) -> None:
    store = backend.open()
    (inv,) = _queue(store, ["A"])
    row = store.queue.claim("r")
    assert row is not None
    target = Target(kind="Deployment", namespace="shop", name="checkout")
    fix = Remediation(
        id="R1", action="restart_deployment", rationale="r", risk="low", target=target
    )
    done = report(inv, row.alert).model_copy(update={"remediations": [fix]})
    assert store.queue.finish(inv, done, "r") == "awaiting_approval"
    assert store.get(inv).replica is None  # type: ignore[union-attr]


def test_a_lease_whose_worker_died_is_not_renewed(backend: Backend) -> None:
    clock = Clock()
    store, other = backend.open(clock), backend.open(clock)
    running, orphaned = _queue(store, ["A", "B"])
    assert store.queue.claim("r1") is not None and store.queue.claim("r1") is not None
    clock.now += 20
    assert store.queue.renew(["r1"], [running]) == {running}  # B's thread is gone
    clock.now += 15
    taken = other.queue.claim("r2")
    assert taken is not None and taken.id == orphaned
