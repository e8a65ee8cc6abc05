"""The offline investigator: a fixed, deterministic SRE routine over the tools.

Turn 1 surveys (alert, the ranking of ``rank_components``, metric discovery, changes,
events); only when the ranking located nothing, a trace survey follows (service graph, error
traces) for the older locators; then a turn measures (saturation queries for the discovered
metrics, and without a ranking the error traces' span trees and per-service error and
latency onsets); the next looks closely at the leading suspects (their pods, rollout history
and new log templates); the last writes the ledger and the report. Each turn's
calls are independent, so they run in parallel. The phase is derived from the state, so a
resumed investigation continues where it stopped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from agent.bundle.model import Catalog
from agent.investigation.brain import BrainTurn, ToolRequest
from agent.investigation.ledger import PROPOSE, SUBMIT, UPDATE
from agent.investigation.state import CallRecord, InvestigationState
from tools.localize.frame import AFTER_ALERT

from . import evidence as ev
from .analysis import Context, Suspects, change_facts, symptoms
from .causes import event_facts, log_facts, metric_facts, pod_facts
from .locate import ranking, ranking_facts
from .queries import merge_listings, request_queries, saturation_queries
from .rank import Verdict, rank, refutable
from .report import evidence_items, remediation, statement, submission
from .subject import alert_service, backing_systems, known_names, scope_namespaces

_SURVEY_LOOKBACK = timedelta(minutes=30)
_CHANGES_LOOKBACK = timedelta(hours=3)
_EVENTS_LOOKBACK = timedelta(hours=1)
_MAX_REFUTED = 2
# Candidates listed after the leader as open hypotheses (the report ranks five in all).
_MAX_OTHERS = 4
# Facts that place a component only weakly: below the outlier cut-off, or a bare quote.
_WEAK = frozenset({"weak_rank", "signal"})
_WEAK_CONFIDENCE = 0.15


class OfflineBrain:
    """Deterministic investigator used without an API key (and as the eval baseline)."""

    name = "offline"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    # -- the phases ---------------------------------------------------------------------

    def next_turn(self, state: InvestigationState, tools: list[dict[str, Any]]) -> BrainTurn:
        """The calls of the first phase not yet run (phases are known by their call ids)."""
        done = {r.id.split("_", 1)[0] for turn in state.turns for r in turn.calls}
        phases = (
            ("t0", self._survey, "survey the incident"),
            ("tf", self._trace_survey, "survey traces: the ranking located nothing"),
            ("t1", self._measure, "measure onsets and saturation"),
            ("t2", self._inspect, "inspect the leading suspects"),
        )
        for prefix, plan, text in phases:
            if prefix in done:
                continue
            calls = plan(state)
            if calls:
                return BrainTurn(calls=calls, text=text)
        return BrainTurn(calls=self._conclude(state), text="conclude")

    def final_turn(
        self, state: InvestigationState, reason: str, submit_schema: dict[str, Any]
    ) -> BrainTurn:
        """Submit whatever the evidence so far supports."""
        calls = [c for c in self._conclude(state) if c.name == SUBMIT]
        return BrainTurn(calls=calls, text=f"stopping early: {reason}")

    # -- helpers --------------------------------------------------------------------------

    def _service(self, state: InvestigationState) -> str:
        return alert_service(state.alert)

    def _namespaces(self, state: InvestigationState) -> list[str]:
        return scope_namespaces(self._catalog, state.alert)

    @staticmethod
    def _turns(state: InvestigationState) -> list[list[CallRecord]]:
        return [turn.calls for turn in state.turns]

    @staticmethod
    def _span(start: datetime, end: datetime) -> dict[str, str]:
        return {"start": start.isoformat(), "end": end.isoformat()}

    def _now(self, state: InvestigationState) -> datetime:
        """The end of every ranged call: anchored on the alert, never the wall clock.

        An alert that has fired for hours is investigated around its start, so every range
        stays inside the policy's limit (``AFTER_ALERT`` past the start at most).
        """
        now = max(state.started_at, state.alert.starts_at)
        return min(now, state.alert.starts_at + AFTER_ALERT)

    def _onset(self, state: InvestigationState) -> datetime:
        for record in ev.records(self._turns(state), "alert_context"):
            for fact in ev.series(record):
                moments = [m for m in (fact.first_at, fact.change_at) if m is not None]
                if moments:
                    return min(moments)
        return state.alert.starts_at

    def _context(self, state: InvestigationState) -> Context:
        return Context(
            service=self._service(state),
            onset=self._onset(state),
            known=known_names(self._catalog),
            datastores=backing_systems(self._catalog, state.alert),
        )

    def _survey(self, state: InvestigationState) -> list[ToolRequest]:
        now = self._now(state)
        namespaces = self._namespaces(state)
        scoped = "|".join(namespaces)
        calls = [
            ToolRequest("t0_alert", "alert_context", {}),
            ToolRequest("t0_rank", "rank_components", {}),
        ]
        if scoped:
            calls += [
                ToolRequest(
                    "t0_metrics_req", "list_metrics", {"match": f'request{{namespace=~"{scoped}"}}'}
                ),
                ToolRequest(
                    "t0_metrics_ns", "list_metrics", {"match": f'{{namespace=~"{scoped}"}}'}
                ),
            ]
        calls += [
            ToolRequest("t0_metrics_node", "list_metrics", {"match": "node_"}),
            ToolRequest("t0_metrics_probe", "list_metrics", {"match": "probe_"}),
        ]
        for i, namespace in enumerate(namespaces):
            calls.append(
                ToolRequest(
                    f"t0_changes_{i}",
                    "deployment_history",
                    {"namespace": namespace, **self._span(now - _CHANGES_LOOKBACK, now)},
                )
            )
            calls.append(
                ToolRequest(
                    f"t0_events_{i}",
                    "k8s_events",
                    {"namespace": namespace, **self._span(now - _EVENTS_LOOKBACK, now)},
                )
            )
        return calls

    def _located(self, state: InvestigationState) -> bool:
        """Whether the ranking placed the fault (then the older locators are not needed)."""
        return bool(ranking(self._turns(state)))

    def _trace_survey(self, state: InvestigationState) -> list[ToolRequest]:
        """The older locators' inputs, when the ranking did not run or located nothing.

        The service graph's failing chain and the error traces' origins place a fault by
        walking the calls; with a ranking they would only repeat what it already scored.
        """
        if self._located(state):
            return []
        now = self._now(state)
        start = state.alert.starts_at - _SURVEY_LOOKBACK
        return [
            ToolRequest("tf_graph", "service_graph", self._span(start, now)),
            ToolRequest(
                "tf_errors",
                "trace_lookup",
                {"errors_only": True, "limit": 10, **self._span(start, now)},
            ),
        ]

    def _measure(self, state: InvestigationState) -> list[ToolRequest]:
        turns = self._turns(state)
        now = self._now(state)
        start = state.alert.starts_at - _SURVEY_LOOKBACK
        calls: list[ToolRequest] = []
        found = ev.records(turns, "trace_lookup")
        traces = [t for r in found for t in r.data.get("traces") or []]
        # The failing traces touching most spans show the deepest error chains.
        traces.sort(key=lambda t: (-int(t.get("matched_spans") or 0), str(t.get("trace_id"))))
        for i, trace in enumerate(traces[:2]):
            calls.append(
                ToolRequest(f"t1_trace_{i}", "trace_lookup", {"trace_id": str(trace["trace_id"])})
            )
        metrics = merge_listings(r.data for r in ev.records(turns, "list_metrics"))
        namespaces = self._namespaces(state)
        if namespaces:
            # Per-service error and latency onsets locate too: only without a ranking.
            located = self._located(state)
            for query in [
                *([] if located else request_queries(metrics, namespaces)),
                *saturation_queries(metrics, namespaces),
            ]:
                calls.append(
                    ToolRequest(
                        f"t1_q_{query.role}",
                        "query_metrics",
                        {"query": query.promql, **self._span(start, now)},
                    )
                )
        return calls

    def _verdicts(self, state: InvestigationState) -> tuple[list[Verdict], Suspects, Context]:
        turns = self._turns(state)
        ctx = self._context(state)
        suspects = Suspects()
        located = {entry.component: entry for entry in ranking(turns)}
        if located:
            # Locate with the ranking; the older location heuristics (error-trace origins,
            # the failing chain of the service graph, per-service onsets) are its fallback
            # when rank_components did not run or found nothing.
            ranking_facts(turns, suspects)
        else:
            symptoms(turns, ctx, suspects)
        change_facts(turns, ctx, suspects)
        roles = {
            r.id: r.id.removeprefix("t1_q_")
            for calls in turns
            for r in calls
            if r.id.startswith("t1_q_")
        }
        metric_facts(turns, roles, ctx, suspects)
        pod_facts(turns, suspects)
        event_facts(turns, ctx, suspects)
        log_facts(turns, ctx, suspects)
        return rank(suspects, ctx.datastores, located), suspects, ctx

    def _home(self, state: InvestigationState, component: str) -> str | None:
        """The in-scope namespace of a workload: its catalogue entry's, else the alert's.

        Without a catalogue the ranking's components come from the alert's namespace (the
        scope it scanned), so that is where their pods and logs are.
        """
        entry = next((s for s in self._catalog.services if s.name == component), None)
        if entry is not None:
            return entry.namespace if entry.namespace in self._namespaces(state) else None
        located = {e.component for e in ranking(self._turns(state))}
        if component in located and state.alert.namespace:
            return state.alert.namespace
        return None

    def _inspect(self, state: InvestigationState) -> list[ToolRequest]:
        verdicts = self._verdicts(state)[0]
        now = self._now(state)
        start = state.alert.starts_at - _SURVEY_LOOKBACK
        calls: list[ToolRequest] = []
        for i, verdict in enumerate(verdicts[:2]):
            namespace = self._home(state, verdict.component)
            if namespace is None:
                continue
            name = verdict.component
            calls += [
                ToolRequest(
                    f"t2_pods_{i}", "pod_status", {"namespace": namespace, "workload": name}
                ),
                ToolRequest(
                    f"t2_logs_{i}",
                    "query_logs",
                    {
                        "query": f'{{namespace="{namespace}", app="{name}"}} '
                        '|~ "(?i)error|exception|fail|refused|timeout|x509|lookup"',
                        **self._span(start, now),
                    },
                ),
            ]
            kinds = {f.kind for f in verdict.facts}
            if kinds & {"rollout_image", "rollout_resources", "rollout_other"}:
                calls.append(
                    ToolRequest(
                        f"t2_history_{i}",
                        "deployment_history",
                        {"namespace": namespace, "name": name},
                    )
                )
        return calls

    def _conclude(self, state: InvestigationState) -> list[ToolRequest]:
        verdicts, suspects, ctx = self._verdicts(state)
        calls: list[ToolRequest] = []
        root = verdicts[0] if verdicts else None
        root_id: str | None = None
        offset = len(state.hypotheses)
        # Only weak ranking signals behind the leader: an open hypothesis, not a conclusion.
        conclusive = root is not None and bool({f.kind for f in root.facts} - _WEAK)
        if root is not None:
            root_id = f"H{offset + 1}"
            if conclusive:
                calls += self._hypothesis(
                    root, root_id, "supported", min(0.9, 0.4 + 0.05 * root.score)
                )
            else:
                calls += self._hypothesis(root, root_id, "open", _WEAK_CONFIDENCE)
        to_refute = refutable(suspects, root.component if root else "")[:_MAX_REFUTED]
        refuted_components = {f.component for f in to_refute}
        others = [v for v in verdicts[1:] if v.component not in refuted_components]
        for verdict in others[:_MAX_OTHERS]:
            hid = f"H{offset + len([c for c in calls if c.name == PROPOSE]) + 1}"
            calls += self._hypothesis(
                verdict, hid, "open", round(min(0.5, 0.05 * verdict.score), 2)
            )
        for fact in to_refute:
            hid = f"H{offset + len([c for c in calls if c.name == PROPOSE]) + 1}"
            refuted = Verdict(fact.component, "deployment", 0.0, (fact,))
            calls.append(
                ToolRequest(
                    f"t3_propose_{hid}",
                    PROPOSE,
                    {
                        "statement": f"The change to {fact.component} caused the incident: {fact.detail[:300]}",
                        "component": fact.component,
                        "category": refuted.category,
                        "rationale": "A change in the investigated window.",
                    },
                )
            )
            calls.append(
                ToolRequest(
                    f"t3_update_{hid}",
                    UPDATE,
                    {
                        "id": hid,
                        "status": "refuted",
                        "confidence": 0.05,
                        "evidence": evidence_items([fact], limit=1),
                    },
                )
            )
        history = next(
            (
                r
                for r in ev.records(self._turns(state), "deployment_history")
                if root is not None and r.arguments.get("name") == root.component
            ),
            None,
        )
        namespace = self._home(state, root.component) if root else None
        fixes = remediation(root, namespace, history) if root else []
        calls.append(
            ToolRequest(
                "t3_submit",
                SUBMIT,
                submission(
                    root_id,
                    root,
                    conclusive,
                    ctx.onset,
                    state.alert.name,
                    state.alert.starts_at,
                    fixes,
                    list(state.data_gaps),
                ),
            )
        )
        return calls

    @staticmethod
    def _hypothesis(
        verdict: Verdict, hid: str, status: str, confidence: float
    ) -> list[ToolRequest]:
        return [
            ToolRequest(
                f"t3_propose_{hid}",
                PROPOSE,
                {
                    "statement": statement(verdict),
                    "component": verdict.component,
                    "category": verdict.category,
                    "rationale": f"score {verdict.score}: "
                    + ", ".join(sorted({f.kind for f in verdict.facts})),
                },
            ),
            ToolRequest(
                f"t3_update_{hid}",
                UPDATE,
                {
                    "id": hid,
                    "status": status,
                    "confidence": round(confidence, 2),
                    "evidence": evidence_items(verdict.facts),
                },
            ),
        ]
