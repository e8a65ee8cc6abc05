"""Which investigation a firing alert belongs to: one per alert group, fairly queued.

Alertmanager sends an alert *group* (``groupKey``): the alerts its routing put together, which
an on-call engineer reads as one incident. So one investigation per group within the
cooldown, started from the group's first new alert with every alert of the group as its
context; a later notification of the group attaches to it. A payload without a group key
(PagerDuty, hand-made posts) makes each alert its own group, and ``fan_out`` bounds how many
investigations one payload can start.

Episodes: when every alert of a group's investigation has resolved, the next firing
notification (a new ``startsAt``) is a new episode: it starts a new investigation, which
``follows`` the old one, instead of attaching to a finished run.

Fairness: each queued investigation records its sender (source and sending instance). A
sender may hold at most ``per_sender`` queued investigations, so one noisy Alertmanager cannot
fill the queue, and workers take the oldest investigation of the sender with the fewest
running ones.

Functions take an open transaction (``Tx``) and do no I/O of their own. Replicas deciding on
one group take turns: ``admit`` first locks the group's key, then each alert's fingerprint
(sorted, so two transactions never wait for each other in a circle); ``resolve`` locks the
fingerprint.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from agent.alerts.model import Alert

from .database import Database, Tx

Outcome = Literal["created", "duplicate", "cooldown", "queue_full", "fan_out"]


@dataclass(frozen=True, slots=True)
class Admission:
    """What the store did with one firing alert."""

    investigation_id: str | None
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds admission works within."""

    cooldown_seconds: float
    queue_bound: int
    per_sender: int


def _store_alert(tx: Tx, alert: Alert, group_key: str, now: float) -> str | None:
    """Insert or refresh the alert; return the investigation it already belongs to."""
    starts = alert.starts_at.isoformat()
    row = tx.one(
        "SELECT investigation_id FROM alerts WHERE fingerprint=? AND starts_at=?",
        (alert.fingerprint, starts),
    )
    if row is not None:
        tx.run(
            "UPDATE alerts SET last_seen=?, notifications=notifications+1, status=? "
            "WHERE fingerprint=? AND starts_at=?",
            (now, alert.status, alert.fingerprint, starts),
        )
        return str(row[0]) if row[0] is not None else None
    tx.run(
        "INSERT INTO alerts (fingerprint, starts_at, source, status, alert_json, received_at, "
        "last_seen, group_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (alert.fingerprint, starts, alert.source, alert.status, alert.model_dump_json(), now,
         now, group_key),
    )  # fmt: skip
    return None


def _attach(tx: Tx, alert: Alert, investigation_id: str) -> None:
    tx.run(
        "UPDATE alerts SET investigation_id=? WHERE fingerprint=? AND starts_at=?",
        (investigation_id, alert.fingerprint, alert.starts_at.isoformat()),
    )


def _episode_over(tx: Tx, investigation_id: str) -> bool:
    # Over when it has alerts and none of them is still firing.
    row = tx.one(
        "SELECT COALESCE(SUM(CASE WHEN status='firing' THEN 1 ELSE 0 END), 0), COUNT(*) "
        "FROM alerts WHERE investigation_id=?",
        (investigation_id,),
    )
    firing, total = row if row is not None else (0, 0)
    return bool(total) and not firing


def admit(
    db: Database,
    tx: Tx,
    alerts: list[Alert],
    group_key: str,
    sender: str,
    limits: Limits,
    now: float,
    *,
    may_create: bool = True,
) -> list[Admission]:
    """Store one group's firing alerts and find or create the group's investigation.

    ``may_create`` is false when the payload has used up its fan-out: the alerts are stored
    and a later re-send may start the investigation.
    """
    db.lock(tx, f"group:{group_key}")
    for fingerprint in sorted({a.fingerprint for a in alerts}):
        db.lock(tx, f"alert:{fingerprint}")
    known = [_store_alert(tx, alert, group_key, now) for alert in alerts]
    fresh = [alert for alert, inv in zip(alerts, known, strict=True) if inv is None]
    answers = {
        a.fingerprint: Admission(inv, "duplicate")
        for a, inv in zip(alerts, known, strict=True)
        if inv
    }
    if not fresh:
        return [answers[a.fingerprint] for a in alerts]
    previous = tx.one(
        "SELECT id, created_at FROM investigations WHERE group_key=? "
        "ORDER BY created_at DESC LIMIT 1",
        (group_key,),
    )
    outcome: Outcome
    if (
        previous is not None
        and previous[1] >= now - limits.cooldown_seconds
        and not _episode_over(tx, str(previous[0]))
    ):
        outcome, investigation_id = "cooldown", str(previous[0])
    elif not may_create:
        return [answers.get(a.fingerprint, Admission(None, "fan_out")) for a in alerts]
    elif _queue_full(tx, sender, limits):
        return [answers.get(a.fingerprint, Admission(None, "queue_full")) for a in alerts]
    else:
        outcome, investigation_id = "created", f"inv-{uuid.uuid4().hex[:12]}"
        primary = fresh[0]
        tx.run(
            "INSERT INTO investigations (id, fingerprint, starts_at, status, created_at, "
            "updated_at, alert_json, group_key, sender, follows) "
            "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
            (investigation_id, primary.fingerprint, primary.starts_at.isoformat(), now, now,
             primary.model_dump_json(), group_key, sender,
             str(previous[0]) if previous is not None else None),
        )  # fmt: skip
    for alert in fresh:
        _attach(tx, alert, investigation_id)
        answers[alert.fingerprint] = Admission(investigation_id, outcome)
    return [answers[a.fingerprint] for a in alerts]


def _queue_full(tx: Tx, sender: str, limits: Limits) -> bool:
    # Across replicas the count is taken without a global lock: the bound is approximate by
    # a few, which is all back-pressure needs.
    row = tx.one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN sender=? THEN 1 ELSE 0 END), 0) "
        "FROM investigations WHERE status='queued'",
        (sender,),
    )
    queued, mine = row if row is not None else (0, 0)
    return bool(queued >= limits.queue_bound or mine >= limits.per_sender)


def resolve(db: Database, tx: Tx, alert: Alert, now: float) -> list[str]:
    """Mark a fingerprint resolved; return the unfinished investigations to stop.

    An investigation stops when none of its alerts is still firing: one resolved alert of a
    group of five does not end the group's investigation.
    """
    db.lock(tx, f"alert:{alert.fingerprint}")
    tx.run(
        "UPDATE alerts SET status='resolved', last_seen=? WHERE fingerprint=?",
        (now, alert.fingerprint),
    )
    candidates = [
        str(r[0])
        for r in tx.rows(
            "SELECT DISTINCT i.id FROM investigations i JOIN alerts a ON a.investigation_id=i.id "
            "WHERE a.fingerprint=? AND i.status IN ('queued', 'running')",
            (alert.fingerprint,),
        )
    ]
    ids = [i for i in candidates if _episode_over(tx, i)]
    tx.run_many(
        "UPDATE investigations SET stop_reason=? WHERE id=?",
        [(f"alert {alert.fingerprint} resolved", i) for i in ids],
    )
    return ids


def group_alerts(tx: Tx, investigation_id: str) -> list[Alert]:
    """Every alert attached to an investigation, in the order they arrived."""
    rows = tx.rows(
        "SELECT alert_json FROM alerts WHERE investigation_id=? ORDER BY received_at, fingerprint",
        (investigation_id,),
    )
    return [Alert.model_validate_json(r[0]) for r in rows]
