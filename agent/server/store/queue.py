"""The work queue: investigations claimed with leases, so each runs on exactly one replica.

A worker (``owner``: its replica's name and its own number) claims the oldest queued investigation — or a running one whose lease
expired because its replica died — in one transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL), and renews the lease while it works. Every write it makes afterwards is fenced by
the lease: it succeeds only while the row still names this owner, so a replica that stalled
past its lease and was taken over cannot overwrite its successor (it gets ``LeaseLost``).
A taken-over investigation resumes from its last completed step: the state is saved with each.

Times come from each replica's clock; the lease (default 30 s) dwarfs NTP-synchronised skew.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from agent.errors import LeaseLost
from agent.investigation.state import InvestigationState
from agent.report.model import Report

from . import rate_limits
from .database import Database, Tx
from .rate_limits import RateLimit
from .rows import COLUMNS, InvestigationRow, Status, parse_row

# Claims of one investigation before it is given up (each earlier claimant died holding it).
MAX_ATTEMPTS = 3


class WorkQueue:
    """Claiming, renewing and finishing investigations in the shared store."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], float] = time.time,
        lease_seconds: float = 30.0,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._db = db
        self._clock = clock
        self.lease_seconds = lease_seconds
        self._max_attempts = max_attempts

    def claim(self, owner: str) -> InvestigationRow | None:
        """Lease the oldest claimable investigation to ``owner``; ``None`` when there is none."""
        while True:
            row, given_up = self._db.transaction(lambda tx: self._claim(tx, owner))
            if not given_up:
                return row

    def _claim(self, tx: Tx, owner: str) -> tuple[InvestigationRow | None, bool]:
        now = self._clock()
        # Fair across senders: the sender with the fewest running investigations first, then
        # the oldest (see ``admission``).
        found = tx.one(
            "SELECT q.id, q.attempts, q.lease_owner FROM investigations q WHERE q.status='queued' "
            "OR (q.status='running' AND (q.lease_expires IS NULL OR q.lease_expires<?)) ORDER BY "
            "(SELECT COUNT(*) FROM investigations r WHERE r.status='running' "
            "AND r.sender IS NOT DISTINCT FROM q.sender), q.created_at "
            f"LIMIT 1{self._db.skip_locked}",
            (now,),
        )
        if found is None:
            return None, False
        investigation_id, attempts, previous = str(found[0]), int(found[1] or 0), found[2]
        if attempts >= self._max_attempts:
            tx.run(
                "UPDATE investigations SET status='failed', error=?, lease_owner=NULL, "
                "lease_expires=NULL, updated_at=? WHERE id=?",
                (f"abandoned after {attempts} attempts: each replica running it stopped "
                 f"without finishing (last: {previous})", now, investigation_id),
            )  # fmt: skip
            return None, True  # look for the next one
        tx.run(
            "UPDATE investigations SET status='running', lease_owner=?, lease_expires=?, "
            "attempts=attempts+1, updated_at=? WHERE id=?",
            (owner, now + self.lease_seconds, now, investigation_id),
        )
        row = tx.one(f"SELECT {COLUMNS} FROM investigations WHERE id=?", (investigation_id,))
        return (parse_row(row) if row else None), False

    def renew(self, owners: Sequence[str], ids: Sequence[str]) -> set[str]:
        """Extend the leases ``owners`` still hold on ``ids``; return those ids.

        Only the investigations a replica is running now are named: a lease on one whose
        worker died must expire, not be renewed forever.
        """
        if not ids:
            return set()
        expires = self._clock() + self.lease_seconds
        marks = ", ".join("?" * len(ids))
        return set(
            self._leased(owners, "lease_expires=?", (expires,), f" AND id IN ({marks})", ids)
        )

    def release(self, owners: Sequence[str]) -> list[str]:
        """Give back every lease ``owners`` hold (a clean shutdown): they are queued again."""
        assignments = (
            "status='queued', lease_owner=NULL, lease_expires=NULL, updated_at=?, "
            "attempts=CASE WHEN attempts>0 THEN attempts-1 ELSE 0 END"
        )
        return sorted(self._leased(owners, assignments, (self._clock(),)))

    def _leased(
        self, owners: Sequence[str], assignments: str, params: tuple[object, ...],
        where: str = "", where_params: Sequence[str] = (),
    ) -> list[str]:  # fmt: skip
        """Apply ``assignments`` to the running investigations ``owners`` hold; their ids."""
        if not owners:
            return []
        marks = ", ".join("?" * len(owners))
        sql = (
            f"UPDATE investigations SET {assignments} "
            f"WHERE lease_owner IN ({marks}) AND status='running'{where} RETURNING id"
        )
        rows = self._db.transaction(lambda tx: tx.rows(sql, (*params, *owners, *where_params)))
        return [str(r[0]) for r in rows]

    def save_step(self, state: InvestigationState, owner: str) -> None:
        """Persist the state after a completed step, the turns not yet stored and its spend.

        Renews the lease too.

        Raises:
            LeaseLost: ``owner`` no longer holds the lease; nothing was written.
        """

        def work(tx: Tx) -> None:
            now = self._clock()
            usd, tokens = state.usage.cost_usd, state.usage.total_tokens
            spent = tx.one(
                "SELECT spent_usd, spent_tokens FROM investigations WHERE id=? AND lease_owner=?",
                (state.id, owner),
            )
            spent_usd, spent_tokens = (float(spent[0]), int(spent[1])) if spent else (0.0, 0)
            self._fence(tx.run(
                "UPDATE investigations SET state_json=?, step=?, updated_at=?, lease_expires=?, "
                "spent_usd=?, spent_tokens=? WHERE id=? AND lease_owner=? AND status='running'",
                (state.model_dump_json(), state.usage.steps, now, now + self.lease_seconds,
                 max(usd, spent_usd), max(tokens, spent_tokens), state.id, owner),
            ), state.id, owner)  # fmt: skip
            if usd > spent_usd or tokens > spent_tokens:
                tx.run(
                    "INSERT INTO spend VALUES (?, ?, ?, ?)",
                    (now, state.id, max(0.0, usd - spent_usd), max(0, tokens - spent_tokens)),
                )
            stored = tx.one("SELECT COUNT(*) FROM turns WHERE investigation_id=?", (state.id,))
            tx.run_many(
                "INSERT INTO turns VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(state.id, t.index, t.model_dump_json()) for t in state.turns[stored[0] if stored else 0:]],
            )  # fmt: skip

        self._db.transaction(work)

    def finish(
        self, investigation_id: str, report: Report, owner: str, proposals: RateLimit | None = None
    ) -> Status:
        """Store the final report and end the lease; the status follows from the report.

        Its executable proposals count against the server-wide ``proposals`` limit; over it
        they are withheld (see ``rate_limits``) and the investigation is done.

        Raises:
            LeaseLost: ``owner`` no longer holds the lease; nothing was written.
        """

        def work(tx: Tx) -> Status:
            # The lease is checked first: a fenced-out replica must not count proposals.
            self._fence(tx.run(
                "UPDATE investigations SET updated_at=? "
                "WHERE id=? AND lease_owner=? AND status='running'",
                (self._clock(), investigation_id, owner),
            ), investigation_id, owner)  # fmt: skip
            final = rate_limits.record_proposals(tx, report, proposals, self._clock())
            status: Status = "failed" if final.status == "failed" else "done"
            open_proposals = [
                r for r in final.remediations
                if r.action != "manual" and not rate_limits.withheld(tx, investigation_id, r.id)
            ]  # fmt: skip
            if status == "done" and open_proposals:
                status = "awaiting_approval"
            self._end_in(tx, investigation_id, owner,
                         "status=?, report_json=?, report_status=?",
                         (status, final.model_dump_json(), final.status))  # fmt: skip
            return status

        return self._db.transaction(work)

    def fail(self, investigation_id: str, error: str, owner: str) -> None:
        """Mark an investigation failed with the reason and end the lease.

        Raises:
            LeaseLost: ``owner`` no longer holds the lease; nothing was written.
        """
        self._end(investigation_id, owner, "status='failed', error=?", (error,))

    def stop_reason(self, investigation_id: str) -> str | None:
        """Why the investigation should stop now (its alert resolved), if it should."""
        row = self._db.read(
            lambda tx: tx.one(
                "SELECT stop_reason FROM investigations WHERE id=?", (investigation_id,)
            )
        )
        return str(row[0]) if row and row[0] else None

    def _end(
        self, investigation_id: str, owner: str, assignments: str, params: tuple[object, ...]
    ) -> None:
        self._db.transaction(
            lambda tx: self._end_in(tx, investigation_id, owner, assignments, params)
        )

    def _end_in(
        self, tx: Tx, investigation_id: str, owner: str, assignments: str,
        params: tuple[object, ...],
    ) -> None:  # fmt: skip
        self._fence(tx.run(
            f"UPDATE investigations SET {assignments}, lease_owner=NULL, lease_expires=NULL, "
            "updated_at=? WHERE id=? AND lease_owner=? AND status='running'",
            (*params, self._clock(), investigation_id, owner),
        ), investigation_id, owner)  # fmt: skip

    @staticmethod
    def _fence(changed: int, investigation_id: str, owner: str) -> None:
        if changed == 0:
            raise LeaseLost(
                f"{owner} no longer holds the lease on {investigation_id}: "
                "another replica took it over"
            )
