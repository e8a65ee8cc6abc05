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

Functions take an open transaction (``sqlite3.Connection``) and do no I/O of their own.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from typing import Literal

from agent.alerts.model import Alert

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


def _store_alert(db: sqlite3.Connection, alert: Alert, group_key: str, now: float) -> str | None:
    """Insert or refresh the alert; return the investigation it already belongs to."""
    starts = alert.starts_at.isoformat()
    row = db.execute(
        "SELECT investigation_id FROM alerts WHERE fingerprint=? AND starts_at=?",
        (alert.fingerprint, starts),
    ).fetchone()
    if row is not None:
        db.execute(
            "UPDATE alerts SET last_seen=?, notifications=notifications+1, status=? "
            "WHERE fingerprint=? AND starts_at=?",
            (now, alert.status, alert.fingerprint, starts),
        )
        return str(row[0]) if row[0] is not None else None
    db.execute(
        "INSERT INTO alerts (fingerprint, starts_at, source, status, alert_json, received_at, "
        "last_seen, group_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (alert.fingerprint, starts, alert.source, alert.status, alert.model_dump_json(), now,
         now, group_key),
    )  # fmt: skip
    return None


def _attach(db: sqlite3.Connection, alert: Alert, investigation_id: str) -> None:
    db.execute(
        "UPDATE alerts SET investigation_id=? WHERE fingerprint=? AND starts_at=?",
        (investigation_id, alert.fingerprint, alert.starts_at.isoformat()),
    )


def _episode_over(db: sqlite3.Connection, investigation_id: str) -> bool:
    # Over when it has alerts and none of them is still firing.
    (firing, total) = db.execute(
        "SELECT COALESCE(SUM(status='firing'), 0), COUNT(*) FROM alerts WHERE investigation_id=?",
        (investigation_id,),
    ).fetchone()
    return bool(total) and not firing


def admit(
    db: sqlite3.Connection,
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
    known = [_store_alert(db, alert, group_key, now) for alert in alerts]
    fresh = [alert for alert, inv in zip(alerts, known, strict=True) if inv is None]
    answers = {
        a.fingerprint: Admission(inv, "duplicate")
        for a, inv in zip(alerts, known, strict=True)
        if inv
    }
    if not fresh:
        return [answers[a.fingerprint] for a in alerts]
    previous = db.execute(
        "SELECT id, created_at FROM investigations WHERE group_key=? "
        "ORDER BY created_at DESC LIMIT 1",
        (group_key,),
    ).fetchone()
    outcome: Outcome
    if (
        previous is not None
        and previous[1] >= now - limits.cooldown_seconds
        and not _episode_over(db, str(previous[0]))
    ):
        outcome, investigation_id = "cooldown", str(previous[0])
    elif not may_create:
        return [answers.get(a.fingerprint, Admission(None, "fan_out")) for a in alerts]
    elif _queue_full(db, sender, limits):
        return [answers.get(a.fingerprint, Admission(None, "queue_full")) for a in alerts]
    else:
        outcome, investigation_id = "created", f"inv-{uuid.uuid4().hex[:12]}"
        primary = fresh[0]
        db.execute(
            "INSERT INTO investigations (id, fingerprint, starts_at, status, created_at, "
            "updated_at, alert_json, group_key, sender, follows) "
            "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
            (investigation_id, primary.fingerprint, primary.starts_at.isoformat(), now, now,
             primary.model_dump_json(), group_key, sender,
             str(previous[0]) if previous is not None else None),
        )  # fmt: skip
    for alert in fresh:
        _attach(db, alert, investigation_id)
        answers[alert.fingerprint] = Admission(investigation_id, outcome)
    return [answers[a.fingerprint] for a in alerts]


def _queue_full(db: sqlite3.Connection, sender: str, limits: Limits) -> bool:
    (queued, mine) = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(sender=?), 0) FROM investigations WHERE status='queued'",
        (sender,),
    ).fetchone()
    return bool(queued >= limits.queue_bound or mine >= limits.per_sender)


def resolve(db: sqlite3.Connection, alert: Alert, now: float) -> list[str]:
    """Mark a fingerprint resolved; return the unfinished investigations to stop.

    An investigation stops when none of its alerts is still firing: one resolved alert of a
    group of five does not end the group's investigation.
    """
    db.execute(
        "UPDATE alerts SET status='resolved', last_seen=? WHERE fingerprint=?",
        (now, alert.fingerprint),
    )
    candidates = [
        str(r[0])
        for r in db.execute(
            "SELECT DISTINCT i.id FROM investigations i JOIN alerts a ON a.investigation_id=i.id "
            "WHERE a.fingerprint=? AND i.status IN ('queued', 'running')",
            (alert.fingerprint,),
        )
    ]
    ids = [i for i in candidates if _episode_over(db, i)]
    db.executemany(
        "UPDATE investigations SET stop_reason=? WHERE id=?",
        [(f"alert {alert.fingerprint} resolved", i) for i in ids],
    )
    return ids


def next_queued(db: sqlite3.Connection) -> str | None:
    """The investigation a free worker should take: fair across senders, then oldest first."""
    row = db.execute(
        "SELECT q.id FROM investigations q WHERE q.status='queued' ORDER BY "
        "(SELECT COUNT(*) FROM investigations r WHERE r.status='running' "
        "AND r.sender IS q.sender), q.created_at LIMIT 1"
    ).fetchone()
    return str(row[0]) if row is not None else None


def group_alerts(db: sqlite3.Connection, investigation_id: str) -> list[Alert]:
    """Every alert attached to an investigation, in the order they arrived."""
    rows = db.execute(
        "SELECT alert_json FROM alerts WHERE investigation_id=? ORDER BY received_at, fingerprint",
        (investigation_id,),
    ).fetchall()
    return [Alert.model_validate_json(r[0]) for r in rows]
