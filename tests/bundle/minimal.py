"""A minimal valid bundle written from code, for tests that must not depend on fixtures."""

from __future__ import annotations

import json
from pathlib import Path

from agent.alerts.fingerprint import fingerprint

LABELS = {"alertname": "HighErrorRate", "namespace": "shop", "service": "web", "severity": "page"}
T0 = 1763474400  # 2025-11-18T14:00:00Z


def write_minimal_bundle(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(LABELS)
    (root / "incident.yaml").write_text(
        "id: web-errors-0001\n"
        "title: Web error rate above SLO\n"
        "now: 2025-11-18T14:30:00Z\n"
        "window:\n  start: 2025-11-18T14:00:00Z\n  end: 2025-11-18T14:30:00Z\n"
        f"alert_fingerprint: {fp}\n"
    )
    alert = {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "agent",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": LABELS,
        "commonAnnotations": {"summary": "web 5xx ratio above 5%"},
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": LABELS,
                "annotations": {"summary": "web 5xx ratio above 5%"},
                "startsAt": "2025-11-18T14:20:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1",
                "fingerprint": fp,
            }
        ],
    }
    (root / "alert.json").write_text(json.dumps(alert, indent=2))
    lines = ["# TYPE http_requests counter"]
    for i in range(61):
        lines.append(
            f'http_requests_total{{namespace="shop",service="web",code="200"}} {i * 30} {T0 + i * 30}'
        )
    lines.append("# TYPE up gauge")
    for i in range(61):
        lines.append(f'up{{job="web"}} 1 {T0 + i * 30}')
    (root / "metrics.om").write_text("\n".join(lines) + "\n# EOF\n")
    logs = [
        {
            "ts": "2025-11-18T14:20:00.123456789Z",
            "labels": {
                "namespace": "shop",
                "pod": "web-7d9f8b6c5-x2k4j",
                "container": "web",
                "app": "web",
            },
            "line": 'level=error msg="upstream timeout"',
        },
        {
            "ts": "2025-11-18T14:10:00Z",
            "labels": {
                "namespace": "shop",
                "pod": "web-7d9f8b6c5-x2k4j",
                "container": "web",
                "app": "web",
            },
            "line": "GET /health 200",
        },
    ]
    (root / "logs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in logs))
    (root / "k8s.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  uid: ns-1\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
        "  uid: d-1\nspec:\n  replicas: 1\n"
    )
    (root / "truth.yaml").write_text(
        "root_cause:\n  component: web\n  category: code\n  summary: a bug\naliases: []\n"
    )
    return root
