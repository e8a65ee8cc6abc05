"""Slack's buttons come back to ``/slack/interactions``: verified, allowlisted, through the gate."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from loopback_http import Loopback, serve
from notify_fakes import FakeSlack, alert
from server_harness import CountingRunner, admit, finish, running, settings
from starlette.applications import Starlette
from starlette.testclient import TestClient
from test_server_approvals import _report, cluster  # noqa: F401  (the executor's cluster)

from agent.notify.settings import NotifySettings
from agent.remediation import AuditLog, Executor
from agent.server.deps import Server

SIGNING = "slack-signing-secret"
ALICE, MALLORY = "U0ALICE", "U0MALLORY"


def signed(body: bytes, secret: str = SIGNING, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    mac = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + mac.hexdigest(),
            "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def click(inv: str, user: str, verb: str = "approve_remediation") -> dict[str, Any]:
    value = json.dumps({"investigation": inv, "remediation": "restart"})
    return {"type": "block_actions", "user": {"id": user}, "trigger_id": "trig-1",
            "channel": {"id": "C0PAYMENTS"}, "actions": [{"action_id": verb, "value": value}]}  # fmt: skip


def submit(inv: str, user: str, typed: str) -> dict[str, Any]:
    value = json.dumps({"investigation": inv, "remediation": "restart"})
    return {"type": "view_submission", "user": {"id": user},
            "view": {"callback_id": "approve_remediation", "private_metadata": value,
                     "state": {"values": {"confirm": {"target": {"type": "plain_text_input",
                                                                 "value": typed}}}}}}  # fmt: skip


@pytest.fixture
def slack_api() -> Iterator[tuple[FakeSlack, Loopback]]:
    fake = FakeSlack()
    with serve(fake) as srv:
        yield fake, srv


@pytest.fixture
def served(
    tmp_path: Path,
    slack_api: tuple[FakeSlack, Loopback],
    cluster: tuple[Starlette, Path],  # noqa: F811
) -> Iterator[tuple[TestClient, Server, str]]:
    fake, srv = slack_api
    (tmp_path / "token").write_text(fake.token)
    (tmp_path / "signing").write_text(SIGNING)
    config = settings(tmp_path).model_copy(update={"notify": NotifySettings.model_validate({
        "sinks": [{"type": "slack", "api_url": f"{srv.url}/api", "default_channel": "C0DEFAULT",
                   "secret_file": str(tmp_path / "token"),
                   "signing_secret_file": str(tmp_path / "signing"), "approvers": [ALICE]}]})})  # fmt: skip
    _, kubeconfig = cluster
    with running(config, CountingRunner(), start_workers=False,
                 executor=lambda: Executor.from_kubeconfig(kubeconfig)) as (client, server):  # fmt: skip
        a = alert()
        inv = admit(server.store, a)
        assert server.outbox is not None
        report = _report(inv)
        finish(server.store, inv, report)
        server.outbox.enqueue(inv, a, report)
        server.outbox.run_due()
        yield client, server, inv


def test_deliveries_are_listed_and_counted(served: tuple[TestClient, Server, str]) -> None:
    client, _, inv = served
    (delivery,) = client.get(f"/investigations/{inv}").json()["deliveries"]
    assert delivery["sink"] == "slack" and delivery["status"] == "delivered"
    assert delivery["outcome"] == "posted" and delivery["remote_id"].startswith("C0DEFAULT/")
    metrics = client.get("/metrics").text
    assert 'agent_notifications{sink="slack",status="delivered"} 1' in metrics


def test_unsigned_or_stale_requests_are_refused(served: tuple[TestClient, Server, str]) -> None:
    client, _, inv = served
    body = form(click(inv, ALICE))
    assert client.post("/slack/interactions", content=body).status_code == 401
    forged = signed(body, secret="guess")
    assert client.post("/slack/interactions", content=body, headers=forged).status_code == 401
    stale = signed(body, at=time.time() - 3600)
    assert client.post("/slack/interactions", content=body, headers=stale).status_code == 401


def test_click_opens_a_modal_then_typed_target_approves_through_the_gate(
    served: tuple[TestClient, Server, str],
    slack_api: tuple[FakeSlack, Loopback],
    cluster: tuple[Starlette, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    client, server, inv = served
    fake, _ = slack_api
    app, _ = cluster
    app.state.recorded_writes.clear()
    body = form(click(inv, ALICE))
    assert client.post("/slack/interactions", content=body, headers=signed(body)).status_code == 200
    (view,) = fake.views
    assert view["trigger_id"] == "trig-1" and view["view"]["callback_id"] == "approve_remediation"
    assert "shop/checkout" in json.dumps(view["view"]["blocks"])

    wrong = form(submit(inv, ALICE, "shop/other"))
    answer = client.post("/slack/interactions", content=wrong, headers=signed(wrong)).json()
    assert answer["response_action"] == "errors" and "does not match" in answer["errors"]["confirm"]
    assert app.state.recorded_writes == []

    right = form(submit(inv, ALICE, "shop/checkout"))
    answer = client.post("/slack/interactions", content=right, headers=signed(right)).json()
    assert answer == {"response_action": "clear"}
    assert len(app.state.recorded_writes) == 1
    audit = AuditLog(tmp_path / "audit.jsonl").records()
    decisions = [(r["decision"], r["approver"]) for r in audit if "decision" in r]
    assert decisions[-1] == ("applied", f"slack:{ALICE}")
    # The outcome is posted in the incident's thread.
    root_ts = fake.posts[0]["ts"]
    assert fake.posts[-1]["thread_ts"] == root_ts and "approved by" in fake.posts[-1]["text"]
    again = client.post("/slack/interactions", content=right, headers=signed(right)).json()
    assert "already approved" in again["errors"]["confirm"]
    assert server.store.get(inv) is not None


def test_users_off_the_allowlist_cannot_approve(
    served: tuple[TestClient, Server, str],
    slack_api: tuple[FakeSlack, Loopback],
    cluster: tuple[Starlette, Path],  # noqa: F811
) -> None:
    client, _, inv = served
    fake, _ = slack_api
    app, _ = cluster
    app.state.recorded_writes.clear()
    body = form(click(inv, MALLORY))
    assert client.post("/slack/interactions", content=body, headers=signed(body)).status_code == 200
    assert fake.views == [] and fake.ephemeral[0]["user"] == MALLORY
    sneaky = form(submit(inv, MALLORY, "shop/checkout"))
    answer = client.post("/slack/interactions", content=sneaky, headers=signed(sneaky)).json()
    assert "approver list" in answer["errors"]["confirm"]
    assert app.state.recorded_writes == []
