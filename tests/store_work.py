"""Finish a queued investigation as a worker would, for tests that build reports by hand."""

from __future__ import annotations

from agent.investigation.state import InvestigationState
from agent.report.model import Report
from agent.server.store import Store
from agent.server.store.rate_limits import RateLimit


def finish(
    store: Store,
    investigation_id: str,
    report: Report,
    proposals: RateLimit | None = None,
    state: InvestigationState | None = None,
) -> str:
    """Finish one queued investigation as a worker would: claim it, store the report.

    Claims what is queued before it too, and gives those back afterwards. ``state``, when
    given, is saved as the investigation's last completed step first.
    """
    owner = "test-replica"
    while (row := store.queue.claim(owner)) is not None and row.id != investigation_id:
        pass
    assert row is not None, f"{investigation_id} is not queued"
    if state is not None:
        store.queue.save_step(state, owner)
    status = store.queue.finish(investigation_id, report, owner, proposals)
    store.queue.release([owner])
    return status
