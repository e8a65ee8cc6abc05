"""Each sink against a loopback server speaking its documented API: paths, auth, payloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from loopback_http import Answer, Seen, serve
from notify_fakes import FakeSlack, alert, report

from agent.bundle.model import Catalog
from agent.errors import DeliveryFailed
from agent.notify.github import GitHubIssues
from agent.notify.http import retry_after
from agent.notify.jira import JiraIssues
from agent.notify.message import compose
from agent.notify.pagerduty import PagerDutyNotes
from agent.notify.settings import (
    GitHubSink,
    JiraSink,
    NotifySettings,
    PagerDutySink,
    SlackSink,
    WebhookSink,
)
from agent.notify.slack import SlackPoster
from agent.notify.webhook import SignedWebhook, signature

LEAKED = "sk_live_abcdefghijklmnop1234"


def secret_file(tmp_path: Path, value: str, name: str = "secret") -> Path:
    path = tmp_path / name
    path.write_text(value + "\n")
    return path


def message(**annotations: str) -> Any:
    return compose(report(), alert(**annotations), public_url="https://agent.example")


def test_message_is_redacted_and_never_carries_the_status_page() -> None:
    composed = message()
    assert LEAKED not in composed.markdown and LEAKED not in json.dumps(composed.report_json)
    assert all(LEAKED not in e.quote for e in composed.evidence)
    assert "status_page" not in composed.report_json
    assert composed.report_url == "https://agent.example/investigations/inv-1/report.md"
    assert composed.channel == "C0PAYMENTS" and composed.recipients == ["payments@example.com"]


def test_slack_posts_block_kit_then_threads_updates(tmp_path: Path) -> None:
    slack = FakeSlack()
    with serve(slack) as srv:
        sink = SlackSink(type="slack", api_url=f"{srv.url}/api", default_channel="C0DEFAULT",
                         secret_file=secret_file(tmp_path, slack.token),
                         signing_secret_file=secret_file(tmp_path, "sign", "signing"))  # fmt: skip
        poster = SlackPoster(sink)
        first = poster.deliver(message(), None)
        update = poster.deliver(message(), first.remote_id)
    assert first.outcome == "posted" and first.remote_id == "C0PAYMENTS/1712917800.000001"
    post, reply = slack.posts
    assert post["channel"] == "C0PAYMENTS" and "thread_ts" not in post
    assert reply["thread_ts"] == "1712917800.000001" and update.outcome == "updated"
    kinds = [b["type"] for b in post["blocks"]]
    assert kinds[:2] == ["header", "section"] and "actions" in kinds
    fields = " ".join(f["text"] for f in post["blocks"][1]["fields"])
    assert "critical" in fields and "82%" in fields and "payments@example.com" in fields
    text = json.dumps(post["blocks"])
    # Telemetry cannot inject Slack markup: angle brackets and ampersands are escaped.
    assert "&lt;failed&gt; &amp;" in text and LEAKED not in text
    assert "https://agent.example/investigations/inv-1/report.md" in text
    buttons = next(b for b in post["blocks"] if b["type"] == "actions")["elements"]
    assert [b["action_id"] for b in buttons] == ["approve_remediation", "reject_remediation"]
    assert json.loads(buttons[0]["value"]) == {"investigation": "inv-1", "remediation": "R1"}


def test_slack_evidence_links_to_explore_when_configured(tmp_path: Path) -> None:
    from agent.config.settings import TriageSettings
    from agent.report.triage import triage

    class Call:
        id, name, status, data = "c1", "query_logs", "ok", {}
        arguments = {"query": '{namespace="shop", app="checkout"} |= "error"'}  # noqa: RUF012

    grafana = TriageSettings(grafana_url="https://grafana.example", loki_datasource_uid="loki")
    linked = triage(report(), alert(), [Call()], Catalog(), grafana)
    slack = FakeSlack()
    with serve(slack) as srv:
        sink = SlackSink(type="slack", api_url=f"{srv.url}/api", default_channel="C0DEFAULT",
                         secret_file=secret_file(tmp_path, slack.token))  # fmt: skip
        SlackPoster(sink).deliver(compose(linked, alert()), None)
    evidence = next(
        b for b in slack.posts[0]["blocks"] if "Evidence" in b.get("text", {}).get("text", "")
    )
    assert "<https://grafana.example/explore?" in evidence["text"]["text"]


def test_slack_without_signing_secret_shows_no_buttons(tmp_path: Path) -> None:
    slack = FakeSlack()
    with serve(slack) as srv:
        sink = SlackSink(type="slack", api_url=f"{srv.url}/api", default_channel="C0DEFAULT",
                         secret_file=secret_file(tmp_path, slack.token))  # fmt: skip
        SlackPoster(sink).deliver(message(), None)
    assert "actions" not in [b["type"] for b in slack.posts[0]["blocks"]]


def test_slack_errors_permanent_and_rate_limited(tmp_path: Path) -> None:
    slack = FakeSlack()
    with serve(slack) as srv:
        sink = SlackSink(type="slack", api_url=f"{srv.url}/api", default_channel="C0DEFAULT",
                         secret_file=secret_file(tmp_path, "xoxb-wrong"))  # fmt: skip
        with pytest.raises(DeliveryFailed, match="invalid_auth") as bad:
            SlackPoster(sink).deliver(message(), None)
        assert not bad.value.retryable and "xoxb" not in str(bad.value)
        slack.fail_next.append(Answer(429, {"ok": False, "error": "ratelimited"},
                                      {"Retry-After": "30"}))  # fmt: skip
        with pytest.raises(DeliveryFailed) as limited:
            SlackPoster(sink).deliver(message(), None)
    assert limited.value.retryable and limited.value.retry_after == 30.0


def test_retry_after_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after("Wed, 01 Jan 2025 12:00:45 GMT", now) == 45.0
    assert retry_after("soon", now) is None


def test_pagerduty_note_on_the_alerts_incident(tmp_path: Path) -> None:
    def handle(seen: Seen) -> Answer:
        return Answer(201, {"note": {"id": "PWL7QXS", "content": seen.json()["note"]["content"]}})

    with serve(handle) as srv:
        sink = PagerDutySink(type="pagerduty", api_url=srv.url, from_email="agent@example.com",
                             secret_file=secret_file(tmp_path, "pd-key-1234"))  # fmt: skip
        notes = PagerDutyNotes(sink)
        done = notes.deliver(message(pagerduty_incident="PT4KHLK"), None)
        skipped = notes.deliver(message(), None)
    (seen,) = srv.seen
    assert seen.method == "POST" and seen.path == "/incidents/PT4KHLK/notes"
    assert seen.headers["authorization"] == "Token token=pd-key-1234"
    assert seen.headers["from"] == "agent@example.com"
    assert seen.headers["accept"] == "application/vnd.pagerduty+json;version=2"
    assert "Bad rollout of checkout" in seen.json()["note"]["content"]
    assert done.remote_id == "PT4KHLK/PWL7QXS" and skipped.outcome == "skipped"


def test_github_issue_created_then_edited(tmp_path: Path) -> None:
    def handle(seen: Seen) -> Answer:
        if seen.method == "POST":
            return Answer(201, {"number": 42, "html_url": "https://github.example/o/r/issues/42"})
        return Answer(200, {"number": 42, "html_url": "https://github.example/o/r/issues/42"})

    with serve(handle) as srv:
        sink = GitHubSink(type="github", api_url=srv.url, repository="acme/incidents",
                          secret_file=secret_file(tmp_path, "ghp_token"))  # fmt: skip
        issues = GitHubIssues(sink)
        created = issues.deliver(message(), None)
        edited = issues.deliver(message(), created.remote_id)
    post, patch = srv.seen
    assert (post.method, post.path) == ("POST", "/repos/acme/incidents/issues")
    assert (patch.method, patch.path) == ("PATCH", "/repos/acme/incidents/issues/42")
    assert post.headers["authorization"] == "Bearer ghp_token"
    assert post.headers["x-github-api-version"] == "2022-11-28"
    assert post.json()["labels"] == ["incident", "checkout"] and "labels" not in patch.json()
    assert "Bad rollout" in post.json()["body"] and LEAKED not in post.json()["body"]
    assert (created.remote_id, edited.outcome) == ("42", "updated")


def test_jira_issue_created_then_edited(tmp_path: Path) -> None:
    def handle(seen: Seen) -> Answer:
        if seen.method == "POST":
            return Answer(201, {"id": "10000", "key": "OPS-7", "self": "x"})
        return Answer(204, b"")

    with serve(handle) as srv:
        sink = JiraSink(type="jira", api_url=srv.url, project="OPS", email="bot@example.com",
                        secret_file=secret_file(tmp_path, "jira-token"))  # fmt: skip
        jira = JiraIssues(sink)
        created = jira.deliver(message(), None)
        jira.deliver(message(), created.remote_id)
    post, put = srv.seen
    assert (post.method, post.path) == ("POST", "/rest/api/2/issue")
    assert (put.method, put.path) == ("PUT", "/rest/api/2/issue/OPS-7")
    expected = "Basic " + base64.b64encode(b"bot@example.com:jira-token").decode()
    assert post.headers["authorization"] == expected
    fields = post.json()["fields"]
    assert fields["project"] == {"key": "OPS"} and fields["issuetype"] == {"name": "Bug"}
    assert fields["labels"] == ["incident", "checkout"] and created.remote_id == "OPS-7"


def test_webhook_is_signed_over_timestamp_and_body(tmp_path: Path) -> None:
    with serve(lambda seen: Answer(202, {})) as srv:
        sink = WebhookSink(type="webhook", url=f"{srv.url}/hook",
                           secret_file=secret_file(tmp_path, "hmac-key"))  # fmt: skip
        SignedWebhook(sink, clock=lambda: 1_700_000_000).deliver(message(), None)
    (seen,) = srv.seen
    assert seen.headers["x-agent-timestamp"] == "1700000000"
    assert seen.headers["x-agent-signature"] == signature("hmac-key", "1700000000", seen.body)
    mac = hmac.new(b"hmac-key", b"1700000000." + seen.body, hashlib.sha256).hexdigest()
    assert seen.headers["x-agent-signature"] == f"sha256={mac}"
    body = seen.json()
    assert body["event"] == "investigation.finished" and body["report"]["root_cause"]
    assert "status_page" not in body["report"]


def test_missing_secret_file_is_retryable_and_named(tmp_path: Path) -> None:
    sink = WebhookSink(type="webhook", url="http://127.0.0.1:9/x", secret_file=tmp_path / "gone")
    with pytest.raises(DeliveryFailed, match="gone") as caught:
        SignedWebhook(sink).deliver(message(), None)
    assert caught.value.retryable


def test_sink_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        NotifySettings.model_validate({"sinks": [
            {"type": "webhook", "url": "http://a"}, {"type": "webhook", "url": "http://b"}]})  # fmt: skip
