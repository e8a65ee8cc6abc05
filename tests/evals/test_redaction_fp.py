from __future__ import annotations

import json
from pathlib import Path

from evals.redaction_fp import measure


def _span_doc(service: str, peer: str) -> dict[str, object]:
    attr = {"key": "rpc.service", "value": {"stringValue": peer}}
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    span = {"name": "call", "attributes": [attr]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}


def test_counts_only_values_that_were_replaced(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    bundle.mkdir()
    # A service named after a weak key word is data; a session id is a credential.
    docs = [_span_doc("ts-gateway-service", "ts-auth-service")] * 4
    (bundle / "traces.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    lines = [{"line": "session=bb6881dc-f954-45f4-b48e-4c43719f6399 ok"}, {"line": "plain"}]
    (bundle / "logs.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = measure([bundle], samples=3)
    assert result["texts_changed"] == 1
    assert result["replaced_by_detector"] == {"secret_assignment": 1}
    assert result["examples"]["SECRET"] == ["bb6881dc-f954-45f4-b48e-4c43719f6399"]
