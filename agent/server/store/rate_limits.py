"""Server-wide rate limits on remediation proposals and approvals, across investigations.

Each proposal is checked by the remediation gate on its own; these limits bound how many the
server offers and carries out in a sliding window, whatever the investigations are. A storm
that makes 50 investigations propose 50 rollbacks in ten minutes is a reason for a human to
look at the whole picture, not to approve them one by one.

- Proposals: beyond ``proposals`` executable proposals in the window, a report's proposals
  are *withheld*: kept in the report for the engineer to read, marked as withheld, and
  refused by the approve endpoint (409). The investigation is then ``done``, not awaiting
  approval.
- Approvals: beyond ``approvals`` approvals in the window, the approve endpoint answers 429
  with when to retry; nothing is carried out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from agent.report.model import Report

from .database import Tx


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` events within ``window_seconds``."""

    count: int
    window_seconds: float

    def describe(self, what: str) -> str:
        """The limit in words: ``20 proposals per 10 min``."""
        return f"{self.count} {what} per {self.window_seconds / 60:.0f} min"


WITHHELD = "WITHHELD by the server's proposal rate limit"


def record_proposals(tx: Tx, report: Report, limit: RateLimit | None, now: float) -> Report:
    """Record the report's executable proposals; withhold them if the window is full.

    Returns the report to store: unchanged, or with each executable proposal's rationale
    saying it was withheld and why.
    """
    executable = [r for r in report.remediations if r.action != "manual"]
    if not executable:
        return report
    counted = tx.one(
        "SELECT COUNT(*) FROM proposals WHERE time>=? AND withheld=0",
        (now - limit.window_seconds if limit else now,),
    )
    recent = int(counted[0]) if counted else 0
    withhold = limit is not None and recent + len(executable) > limit.count
    tx.run_many(
        "INSERT INTO proposals VALUES (?, ?, ?, ?) ON CONFLICT (investigation_id, remediation_id) "
        "DO UPDATE SET time=excluded.time, withheld=excluded.withheld",
        [(now, report.investigation_id, r.id, int(withhold)) for r in executable],
    )
    if not withhold:
        return report
    assert limit is not None
    note = (
        f"{WITHHELD} ({recent} proposals in the last {limit.window_seconds / 60:.0f} min; "
        f"limit {limit.describe('proposals')}): review the incident as a whole, or re-run "
        "the investigation to propose again."
    )
    remediations = [
        r.model_copy(update={"rationale": f"{note} {r.rationale}"}) if r.action != "manual" else r
        for r in report.remediations
    ]
    return report.model_copy(update={"remediations": remediations})


def withheld(tx: Tx, investigation_id: str, remediation_id: str) -> bool:
    """Whether this proposal was withheld by the proposal rate limit."""
    row = tx.one(
        "SELECT withheld FROM proposals WHERE investigation_id=? AND remediation_id=?",
        (investigation_id, remediation_id),
    )
    return bool(row and row[0])


def approvals_exceeded(tx: Tx, limit: RateLimit | None, now: float) -> tuple[str, float] | None:
    """Why an approval must wait, and for how many seconds; ``None`` when it may proceed."""
    if limit is None:
        return None
    # The decision is read in Python, not with a dialect's JSON functions: the window holds
    # at most a few dozen approvals.
    rows = [
        (t,)
        for t, detail in tx.rows(
            "SELECT time, detail_json FROM audit WHERE event='remediation_approved' AND time>=? "
            "ORDER BY time",
            (now - limit.window_seconds,),
        )
        if json.loads(detail).get("decision") != "dry_run"
    ]
    if len(rows) < limit.count:
        return None
    retry = rows[len(rows) - limit.count][0] + limit.window_seconds - now
    return (
        f"approval rate limit reached: {len(rows)} approvals in the last "
        f"{limit.window_seconds / 60:.0f} min (limit {limit.describe('approvals')}); "
        f"retry in {max(1.0, retry):.0f}s",
        max(1.0, retry),
    )
