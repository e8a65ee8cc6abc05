"""The Alertmanager webhook payload (version 4) for a scenario's alert rules.

Each rule is evaluated over the generated samples every 30 s, as Prometheus would; the alert's
``startsAt`` is the first evaluation at which the condition had held for the rule's ``for``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from agent.alerts.fingerprint import fingerprint
from evals.simulator import promql
from evals.simulator.openmetrics import MetricStore
from evals.simulator.scenario import AlertRule, Scenario
from evals.simulator.timefmt import rfc3339

EVAL_INTERVAL_S = 30
EVAL_OFFSET_S = 15  # evaluations fall between scrapes, so no sample sits on a range boundary
PROMETHEUS_URL = "http://prometheus.monitoring:9090"


class ScenarioError(ValueError):
    """A scenario's alert never fires over its own data."""


def eval_times(scn: Scenario) -> list[float]:
    """The rule evaluation timestamps within the window."""
    first = scn.start + EVAL_OFFSET_S
    return [
        first + k * EVAL_INTERVAL_S for k in range(int((scn.now - first) // EVAL_INTERVAL_S) + 1)
    ]


def fired_at(store: MetricStore, scn: Scenario, rule: AlertRule) -> tuple[float, float]:
    """(activeAt, startsAt) of the rule: when it became pending and when it started firing."""
    times = eval_times(scn)
    active = promql.active_since(store, rule, times)
    fired = next((t for t in times if active is not None and t - active >= rule.for_s), None)
    if active is None or fired is None:
        raise ScenarioError(
            f"scenario {scn.id}: alert {rule.name} on {rule.service} is not "
            f"firing at now over the generated metrics"
        )
    return active, fired


def labels_of(rule: AlertRule) -> dict[str, str]:
    """The alert's label set."""
    return {
        "alertname": rule.name,
        "namespace": "shop",
        "service": rule.service,
        "severity": rule.severity,
    }


def payload(store: MetricStore, scn: Scenario) -> dict[str, Any]:
    """The webhook payload carrying every rule of the scenario, all firing at ``now``."""
    alerts: list[dict[str, Any]] = []
    for rule in scn.alerts:
        labels = labels_of(rule)
        _, starts = fired_at(store, scn, rule)
        expr = promql.expression(rule)
        alerts.append(
            {
                "status": "firing",
                "labels": labels,
                "annotations": {
                    "summary": rule.summary,
                    "description": rule.description,
                    "runbook_url": rule.runbook,
                },
                "startsAt": rfc3339(starts),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": f"{PROMETHEUS_URL}/graph?g0.expr={quote_plus(expr)}&g0.tab=1",
                "fingerprint": fingerprint(labels),
            }
        )
    common = {
        k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)
    }
    common_ann = {
        k: v
        for k, v in alerts[0]["annotations"].items()
        if all(a["annotations"].get(k) == v for a in alerts)
    }
    return {
        "version": "4",
        "groupKey": '{}:{namespace="shop"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "incident-agent",
        "groupLabels": {"namespace": "shop"},
        "commonLabels": common,
        "commonAnnotations": common_ann,
        "externalURL": "http://alertmanager.monitoring:9093",
        "alerts": alerts,
    }
