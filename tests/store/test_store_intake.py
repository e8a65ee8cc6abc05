"""Intake on both backends: dedup, cooldown, back-pressure, replays, resolve — and races."""

from __future__ import annotations

import time
from collections import Counter

from store_fakes import Backend, Clock, admit, alert, at_once, later, report

from agent.server.store import Limits, Store


def test_same_alert_is_one_investigation_and_cooldown_reuses_it(backend: Backend) -> None:
    clock = Clock()
    store = backend.open(clock)
    first = admit(store, alert(), cooldown=600, queue_bound=10)
    assert first.outcome == "created" and first.investigation_id
    assert admit(store, alert(), 600, 10) == first.__class__(first.investigation_id, "duplicate")
    # A new startsAt of the same fingerprint within the cooldown joins the investigation.
    clock.now += 300
    again = admit(store, alert(starts=later(5)), 600, 10)
    assert (again.investigation_id, again.outcome) == (first.investigation_id, "cooldown")
    clock.now += 601
    fresh = admit(store, alert(starts=later(15)), 600, 10)
    assert fresh.outcome == "created" and fresh.investigation_id != first.investigation_id
    assert store.query("SELECT notifications FROM alerts WHERE starts_at=?",
                       (alert().starts_at.isoformat(),)) == [(2,)]  # fmt: skip
    assert store.counts()["queued"] == 2


def test_full_queue_stores_the_alert_but_starts_nothing(backend: Backend) -> None:
    store = backend.open()
    assert admit(store, alert("A"), 0, 1).outcome == "created"
    refused = admit(store, alert("B"), 0, 1)
    assert (refused.investigation_id, refused.outcome) == (None, "queue_full")
    assert store.find_alert(alert("B").fingerprint) is not None
    # The re-send after the queue drained is investigated.
    owner = "replica-1"
    row = store.queue.claim(owner)
    assert row is not None
    store.queue.finish(row.id, report(row.id, row.alert), owner)
    assert admit(store, alert("B"), 0, 1).outcome == "created"


def test_event_ids_are_remembered(backend: Backend) -> None:
    one, two = backend.open(), backend.open()
    assert one.seen_event("pagerduty", "ev-1") is False
    assert two.seen_event("pagerduty", "ev-1") is True
    assert two.seen_event("grafana", "ev-1") is False


def test_resolve_stops_only_unfinished_investigations(backend: Backend) -> None:
    clock = Clock()
    store = backend.open(clock)
    done = admit(store, alert(), 0, 10).investigation_id
    row = store.queue.claim("r")
    assert row is not None and row.id == done
    store.queue.finish(row.id, report(row.id, row.alert), "r")
    clock.now += 1
    queued = admit(store, alert(starts=later(1)), 0, 10).investigation_id
    assert store.resolve(alert()) == [queued]
    assert store.queue.stop_reason(queued or "") == f"alert {alert().fingerprint} resolved"
    assert store.queue.stop_reason(done or "") is None
    assert store.query("SELECT DISTINCT status FROM alerts") == [("resolved",)]


def test_api_reads_see_every_replicas_writes(backend: Backend) -> None:
    writer, reader = backend.open(), backend.open()
    inv = admit(writer, alert("A"), 0, 10).investigation_id
    admit(writer, alert("B"), 0, 10)
    writer.audit("webhook_refused", source="grafana", reason="bad signature")
    found = reader.get(inv or "")
    assert found is not None and found.status == "queued" and found.alert.name == "A"
    assert {r.alert.name for r in reader.search()} == {"A", "B"}
    assert [r.id for r in reader.search(fingerprint=alert("A").fingerprint)] == [inv]
    assert reader.search(status="done") == []
    assert reader.counts() == {"queued": 2, "running": 0, "awaiting_approval": 0, "done": 0,
                               "failed": 0}  # fmt: skip
    assert [(r["event"], r["reason"]) for r in reader.audit_records("webhook_refused")] == [
        ("webhook_refused", "bad signature")
    ]


def test_ha_duplicates_racing_on_replicas_start_one_investigation(backend: Backend) -> None:
    clock = Clock()
    replicas = [backend.open(clock) for _ in range(4)]
    fingerprints = [alert(f"Group{g}") for g in range(6)]
    # Every replica receives every alert at once; half of them carry a later startsAt (a
    # re-fire within the cooldown), which must join the same investigation.
    work = [
        (lambda s=store, a=a, k=k: admit(s, alert(a.name, starts=later(k % 2)), 3600, 1000))
        for store in replicas
        for a in fingerprints
        for k in range(2)
    ]
    admissions = at_once(work)
    outcomes = Counter(a.outcome for a in admissions)
    assert outcomes["created"] == len(fingerprints), outcomes
    assert len(replicas[0].search(limit=1000)) == len(fingerprints)
    by_alert: dict[str, set[str | None]] = {}
    for (_, a, _), admission in zip(
        [(s, a, k) for s in replicas for a in fingerprints for k in range(2)],
        admissions,
        strict=True,
    ):
        by_alert.setdefault(a.fingerprint, set()).add(admission.investigation_id)
    assert all(len(ids) == 1 for ids in by_alert.values()), by_alert


def test_an_approval_is_recorded_once_across_replicas(backend: Backend) -> None:
    replicas = [backend.open() for _ in range(4)]
    inv = admit(replicas[0], alert(), 0, 10).investigation_id or ""

    def decide(store: Store, who: str) -> bool:
        return store.decide(inv, "R1", "approved", who, later(0), "sha")

    won = at_once([lambda s=s, i=i: decide(s, f"approver-{i}") for i, s in enumerate(replicas)])
    assert sorted(won) == [False, False, False, True]
    recorded = replicas[1].decision(inv, "R1")
    assert recorded is not None and recorded["approver"] == f"approver-{won.index(True)}"
    assert replicas[2].decide(inv, "R1", "rejected", "bob", later(1), None) is False


def test_one_alert_group_delivered_to_every_replica_is_one_investigation(backend: Backend) -> None:
    replicas = [backend.open() for _ in range(4)]
    members = [alert("DiskFull", instance=f"node-{i}") for i in range(3)]
    limits = Limits(3600, 1000, 1000)

    def deliver(store: Store, copy: int) -> set[str | None]:
        # Each copy carries the group's alerts in its own order, as peers may send them.
        ordered = members[copy % 3 :] + members[: copy % 3]
        return {a.investigation_id for a in store.admit(ordered, "group:{}:disk", "am:x", limits)}

    answers = at_once([lambda s=s, c=c: deliver(s, c) for s in replicas for c in range(3)])
    (investigation,) = set().union(*answers)
    assert investigation is not None
    assert [r.id for r in replicas[0].search()] == [investigation]
    assert len(replicas[1].group_alerts(investigation)) == 3


def test_audit_appends_from_every_replica_form_one_chain(backend: Backend) -> None:
    replicas = [backend.open() for _ in range(4)]
    at_once([
        lambda s=s, i=i: [s.audit("webhook_refused", source=f"r{i}", n=n) for n in range(5)]
        for i, s in enumerate(replicas)
    ])  # fmt: skip
    assert len(replicas[0].audit_records()) == 20
    assert replicas[1].audit_problems() == []


def test_a_held_key_admits_one_replica_at_a_time(backend: Backend) -> None:
    replicas = [backend.open() for _ in range(3)]
    inside: list[int] = []
    overlaps: list[int] = []

    def approve(store: Store) -> None:
        for _ in range(3):
            with store.db.hold("approvals"):
                inside.append(1)
                overlaps.append(len(inside))
                time.sleep(0.01)
                inside.pop()

    at_once([lambda s=s: approve(s) for s in replicas])
    assert len(overlaps) == 9 and max(overlaps) == 1
