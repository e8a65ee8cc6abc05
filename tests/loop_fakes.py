"""A fake tool runner and alert for loop tests that need no backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.alerts.model import Alert
from agent.bundle.model import Catalog, CatalogService
from agent.investigation.brain import Brain, ToolRequest
from agent.investigation.budget import Budget
from agent.investigation.loop import InvestigationDeps, ToolRunner
from agent.investigation.report_builder import ReportContext
from agent.investigation.state import CallRecord
from policies.decision import CallCounts

NOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)

ALERT = Alert(
    fingerprint="0123456789abcdef",
    labels={"alertname": "CheckoutErrors", "namespace": "shop", "service": "checkout"},
    annotations={"summary": "checkout 5xx above 5%"},
    starts_at=datetime(2026, 11, 18, 14, 20, tzinfo=UTC),
)

OUTPUTS = {
    "deployment_history": "rev 12 payments-8bx66ngscq created 2026-11-18T14:08:00Z: image payments:3.15.0",
    "query_logs": "NEW x41 java.lang.NullPointerException at TaxResolver.resolve",
}


DATA: dict[str, dict[str, Any]] = {
    "deployment_history": {"resource_version": "4711", "current_revision": 12},
    "pod_status": {
        "pods": [
            {"name": "cart-7d9f8b6c5-x2k4j", "node": "ip-10-20-2-35.eu-west-1.compute.internal"}
        ]
    },
}


class FakeTools:
    """Answers each call with canned output; ``broken`` names tools that fail as a data gap.

    ``outcomes`` maps a tool to the status (and policy rule) its calls end with instead, e.g.
    ``{"query_metrics": ("denied", "range.too_long")}``.
    """

    def __init__(
        self,
        broken: frozenset[str] = frozenset(),
        outcomes: dict[str, tuple[str, str | None]] | None = None,
    ) -> None:
        self.broken = broken
        self.outcomes = outcomes or {}
        self.calls: list[ToolRequest] = []

    def schemas(self) -> list[dict[str, Any]]:
        return [{"name": n, "description": n, "input_schema": {"type": "object"}} for n in OUTPUTS]

    def run(self, calls: list[ToolRequest], allowed: CallCounts) -> list[CallRecord]:
        self.calls.extend(calls)
        records = []
        for call in calls:
            if call.name in self.broken:
                records.append(
                    CallRecord(
                        id=call.id,
                        name=call.name,
                        arguments=call.arguments,
                        status="error",
                        output="Loki unreachable: connection refused",
                        gap="Loki unreachable: logs missing",
                        is_error=True,
                    )
                )
            elif call.name in self.outcomes:
                status, rule = self.outcomes[call.name]
                records.append(
                    CallRecord(
                        id=call.id,
                        name=call.name,
                        arguments=call.arguments,
                        status=status,
                        rule=rule,
                        output=f"{call.name}: {status}",
                    )
                )
            else:
                records.append(
                    CallRecord(
                        id=call.id,
                        name=call.name,
                        arguments=call.arguments,
                        output=OUTPUTS.get(call.name, "no data"),
                        request=f"{call.name} request",
                        data=DATA.get(call.name, {}),
                    )
                )
        return records


PAYMENTS_CATALOG = Catalog(
    services=[
        CatalogService(
            name="payments", namespace="shop", owner="team-payments", team_channel="#payments"
        )
    ]
)


class Ticker:
    """A monotonic clock that advances one second per reading."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def deps(
    brain: Brain,
    tools: ToolRunner,
    budget: Budget | None = None,
    catalog: Catalog | None = None,
    **extra: Any,
) -> InvestigationDeps:
    catalog = catalog if catalog is not None else PAYMENTS_CATALOG

    def clock() -> datetime:
        return NOW

    return InvestigationDeps(
        brain=brain,
        tools=tools,
        report_context=ReportContext(namespaces=frozenset({"shop"}), catalog=catalog),
        budget=budget or Budget(),
        monotonic=Ticker(),
        wall_clock=clock,
        **extra,
    )
