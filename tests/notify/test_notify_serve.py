"""A replayed investigation through ``agent serve`` with Slack and email configured.

The server runs as a subprocess with the offline investigator against a replay environment's
endpoints (its "live" backends), a fake Slack Web API and a real SMTP server on loopback.
Exactly one Slack post and one email per investigation; a re-investigation of the same alert
replies in the Slack thread and answers the first email; a restart sends nothing again.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from aiosmtpd.controller import Controller
from loopback_http import serve
from notify_fakes import FakeSlack
from polling import wait_for
from replay_run import backends_section

from agent.replay.environment import ReplayEnvironment
from agent.replay.http import free_port
from agent.timeutil import format_rfc3339, parse_rfc3339

BUNDLE = "checkout-5xx-0412"
TOKEN = "notify-test-token"
INCIDENTS = Path(__file__).resolve().parents[2] / "fixtures" / "incidents"

pytestmark = [pytest.mark.replay, pytest.mark.slow, pytest.mark.xdist_group(BUNDLE)]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def _serve(config: Path, port: int, log: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent.cli.serve", "--port", str(port), "--config", str(config)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx2.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx2.HTTPError:
            return False

    try:
        # Generous: a loaded 2-core machine can take long to import and start the server.
        wait_for(healthy, 180, log.read_text)
        yield base
    finally:
        process.terminate()
        process.wait(15)


VIEWER_TOKEN = "viewer-token-notify"


def _deliveries(base: str) -> list[dict[str, Any]]:
    out = []
    viewer = {"Authorization": f"Bearer {VIEWER_TOKEN}"}  # reads need a viewer token
    listing = httpx2.get(f"{base}/investigations", headers=viewer, timeout=5).json()
    for summary in listing["investigations"]:
        url = f"{base}/investigations/{summary['id']}"
        out.append(httpx2.get(url, headers=viewer, timeout=5).json())
    return out


def _settled(base: str, count: int) -> list[dict[str, Any]] | None:
    found = _deliveries(base)
    if len(found) != count or any(d["status"] in ("queued", "running") for d in found):
        return None
    if any(r["status"] != "delivered" for d in found for r in d["deliveries"]):
        return None
    return found if all(len(d["deliveries"]) == 2 for d in found) else None


def test_serve_delivers_once_threads_updates_and_never_repeats(
    replay: Callable[[str], ReplayEnvironment], tmp_path: Path
) -> None:
    env = replay(BUNDLE)
    endpoints = env.endpoints
    assert endpoints is not None
    slack = FakeSlack()
    (tmp_path / "slack-token").write_text(slack.token)
    box = Mailbox()
    smtp_port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port, server_hostname="smtp.test")
    controller.start()
    log = tmp_path / "serve.log"
    try:
        with serve(slack) as api:
            config = tmp_path / "agent.yaml"
            config.write_text(yaml.safe_dump({
                "state_dir": str(tmp_path),
                "catalog_file": str(INCIDENTS / BUNDLE / "catalog.yaml"),
                "backends": backends_section(endpoints),
                "server": {"alertmanager_tokens": [TOKEN], "grafana_secret": "g",
                           "pagerduty_secrets": ["p"], "cooldown_seconds": 0,
                           "viewer_tokens": {VIEWER_TOKEN: "viewer"}},
                "notify": {"public_url": "https://agent.example", "sinks": [
                    {"type": "slack", "api_url": f"{api.url}/api", "default_channel": "C0INCIDENTS",
                     "secret_file": str(tmp_path / "slack-token")},
                    {"type": "email", "host": "127.0.0.1", "port": smtp_port, "starttls": False,
                     "from_address": "agent@example.com", "to": ["oncall@example.com"]}]},
            }))  # fmt: skip
            payload = env.bundle.alert_payload

            def fire(body: dict[str, Any], base: str) -> None:
                answer = httpx2.post(f"{base}/webhooks/alertmanager", json=body, timeout=5,
                                     headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
                assert answer.status_code == 200, answer.text

            with _serve(config, free_port(), log) as base:
                fire(payload, base)
                (first,) = wait_for(lambda: _settled(base, 1), 300, log.read_text)
                assert len(slack.posts) == 1 and len(box.messages) == 1
                # The alert fires again (a new startsAt): a re-investigation of the same alert.
                again = copy.deepcopy(payload)
                for item in again["alerts"]:
                    later = parse_rfc3339(item["startsAt"]) + timedelta(minutes=1)
                    item["startsAt"] = format_rfc3339(later)
                fire(again, base)
                wait_for(lambda: _settled(base, 2), 300, log.read_text)
            root, reply = slack.posts
            assert "thread_ts" not in root and reply["thread_ts"] == root["ts"]
            # The owning team's channel, from the catalogue (the report's first escalation).
            owners = [e["team_channel"] for e in first["report"]["escalation"] if e["team_channel"]]
            assert owners and root["channel"] == owners[0]
            assert json.dumps(reply["blocks"]).count("Updated: ") == 1
            first_mail, second_mail = box.messages
            assert second_mail["In-Reply-To"] == first_mail["Message-ID"]
            by_sink = {r["sink"]: r for r in first["deliveries"]}
            assert by_sink["slack"]["remote_id"].endswith(root["ts"])
            assert by_sink["email"]["remote_id"] == first_mail["Message-ID"]

            # A fresh port: another process on the machine may have taken the old one meanwhile.
            with _serve(config, free_port(), log) as base:
                fire(payload, base)  # a re-send of the first notification: a duplicate
                time.sleep(2.5)  # more than two outbox passes
                assert _settled(base, 2) is not None
            assert len(slack.posts) == 2 and len(box.messages) == 2, log.read_text()
    finally:
        controller.stop()
