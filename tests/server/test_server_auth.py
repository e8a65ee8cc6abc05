"""Webhook authentication: every failure is 401/403, audited, and stores nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import server_payloads as p
from server_harness import (
    AM_AUTH,
    AM_TOKEN,
    APPROVER_TOKEN,
    GRAFANA_SECRET,
    PD_NEW,
    PD_OLD,
    CountingRunner,
    running,
    settings,
)

from agent.config.server import ServerSettings
from agent.errors import ConfigError
from agent.server.build import build_server


def _stored(server: object) -> int:
    return len(server.store.query("SELECT * FROM alerts"))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic YTpi"}, 401),
        ({"Authorization": "Bearer wrong"}, 403),
        ({"Authorization": "Bearer approver-token-alice"}, 403),
    ],
)
def test_alertmanager_bearer_refusals(tmp_path: Path, headers: dict[str, str], status: int) -> None:
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        response = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=headers
        )
        assert response.status_code == status
        assert _stored(server) == 0
        assert server.store.audit_records("webhook_refused")[0]["source"] == "alertmanager"
        ok = client.post(
            "/webhooks/alertmanager", content=p.body(p.alertmanager()), headers=AM_AUTH
        )
        assert ok.status_code == 200 and _stored(server) == 1


def test_grafana_signature_and_timestamp(tmp_path: Path) -> None:
    raw = p.body(p.grafana())
    now = str(int(time.time()))
    stale = str(int(time.time()) - 301)
    cases = [
        ({}, 401),
        ({"X-Grafana-Alerting-Signature": p.hex_hmac(GRAFANA_SECRET, raw)}, 401),  # no timestamp
        (p.grafana_headers("other-secret", raw, now), 403),
        (p.grafana_headers(GRAFANA_SECRET, raw, stale), 403),
        (p.grafana_headers(GRAFANA_SECRET, raw, "yesterday"), 403),
        # signed for another body
        (p.grafana_headers(GRAFANA_SECRET, raw + b" ", now), 403),
    ]
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        for headers, status in cases:
            response = client.post("/webhooks/grafana", content=raw, headers=headers)
            assert response.status_code == status, (headers, response.text)
        assert _stored(server) == 0
        ok = client.post(
            "/webhooks/grafana", content=raw, headers=p.grafana_headers(GRAFANA_SECRET, raw, now)
        )
        assert ok.status_code == 200, ok.text
        assert _stored(server) == 1


def test_grafana_without_timestamp_header_signs_the_body(tmp_path: Path) -> None:
    config = settings(tmp_path, grafana_timestamp_header=None)
    raw = p.body(p.grafana())
    with running(config, CountingRunner(), start_workers=False) as (client, _):
        assert (
            client.post(
                "/webhooks/grafana", content=raw, headers=p.grafana_headers(GRAFANA_SECRET, raw)
            ).status_code
            == 200
        )
        bad = p.grafana_headers("nope", raw)
        assert client.post("/webhooks/grafana", content=raw, headers=bad).status_code == 403


def test_pagerduty_signatures_with_rotation(tmp_path: Path) -> None:
    raw = p.body(p.pagerduty())
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        for headers, status in [
            ({}, 401),
            (p.pagerduty_headers(raw, "not-a-secret"), 403),
            ({"X-PagerDuty-Signature": "v0=" + p.hex_hmac(PD_NEW, raw)}, 403),
            ({"X-PagerDuty-Signature": p.hex_hmac(PD_NEW, raw)}, 403),
        ]:
            assert (
                client.post("/webhooks/pagerduty", content=raw, headers=headers).status_code
                == status
            )
        assert _stored(server) == 0
        # Rotation: a header carrying an unknown and the old secret's signature is accepted,
        # and so is the new secret alone.
        rotated = p.pagerduty_headers(raw, "retired-secret", PD_OLD)
        assert client.post("/webhooks/pagerduty", content=raw, headers=rotated).status_code == 200
        other = p.body(p.pagerduty(event_id="second"))
        assert (
            client.post(
                "/webhooks/pagerduty", content=other, headers=p.pagerduty_headers(other, PD_NEW)
            ).status_code
            == 200
        )


def test_refuses_to_start_without_credentials(tmp_path: Path) -> None:
    config = settings(tmp_path, grafana_secret=None, pagerduty_secrets=[])
    with pytest.raises(ConfigError, match=r"grafana, pagerduty.*--allow-unauthenticated"):
        build_server(config, CountingRunner())


def test_allow_unauthenticated_opens_only_unconfigured_sources(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = settings(tmp_path, grafana_secret=None, pagerduty_secrets=[])
    with running(config, CountingRunner(), start_workers=False, allow_unauthenticated=True) as (
        client,
        _,
    ):
        assert client.post("/webhooks/grafana", content=p.body(p.grafana())).status_code == 200
        assert (
            client.post("/webhooks/alertmanager", content=p.body(p.alertmanager())).status_code
            == 401
        )
    assert "UNAUTHENTICATED" in caplog.text


def test_approver_tokens_must_differ_from_webhook_credentials(tmp_path: Path) -> None:
    config = settings(tmp_path, approver_tokens={"am-token-123": "mallory"})
    with pytest.raises(ConfigError, match="mallory"):
        build_server(config, CountingRunner())


def test_approval_endpoints_need_an_approver_token(tmp_path: Path) -> None:
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        url = "/investigations/inv-1/remediations/r1/approve"
        assert client.post(url, json={"confirm": "a/b"}).status_code == 401
        assert client.post(url, json={"confirm": "a/b"}, headers=AM_AUTH).status_code == 403
        assert len(server.store.audit_records("approval_refused")) == 2


def test_serve_exits_2_with_how_to_configure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent.cli.serve import main

    config = tmp_path / "agent.yaml"
    config.write_text(f"state_dir: {tmp_path}\nserver:\n  alertmanager_tokens: [t]\n")
    assert main(["--config", str(config), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ConfigError: no webhook credential configured for grafana, pagerduty")
    assert "server.grafana_secret" in err and "--allow-unauthenticated" in err


@pytest.mark.parametrize(
    ("occurred_at", "status"),
    [
        ("2019-03-04T10:00:00Z", 403),  # a captured delivery replayed years later
        ("2099-01-01T00:00:00Z", 403),  # or dated in the future
        (None, 200),  # now
    ],
)
def test_pagerduty_stale_events_are_refused_like_grafana_timestamps(
    tmp_path: Path, occurred_at: str | None, status: int
) -> None:
    raw = p.body(p.pagerduty(occurred_at=occurred_at))
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        response = client.post(
            "/webhooks/pagerduty", content=raw, headers=p.pagerduty_headers(raw, PD_NEW)
        )
        assert response.status_code == status, response.text
        if status == 403:
            assert "occurred_at" in response.json()["error"]
            assert _stored(server) == 0
            refused = server.store.audit_records("webhook_refused")
            assert refused[0]["source"] == "pagerduty" and "replay" in refused[0]["reason"]
        else:
            assert _stored(server) == 1


def test_pagerduty_occurred_at_must_be_a_time(tmp_path: Path) -> None:
    raw = p.body(p.pagerduty(occurred_at="last tuesday"))
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, _):
        response = client.post(
            "/webhooks/pagerduty", content=raw, headers=p.pagerduty_headers(raw, PD_NEW)
        )
        assert response.status_code == 422 and "occurred_at" in response.json()["error"]


def test_grafana_timestamp_is_checked_by_default_when_signing(tmp_path: Path) -> None:
    defaults = ServerSettings(grafana_secret=GRAFANA_SECRET)
    assert defaults.grafana_timestamp_header == "X-Grafana-Alerting-Timestamp"
    config = settings(tmp_path, grafana_timestamp_header=defaults.grafana_timestamp_header)
    raw = p.body(p.grafana())
    stale = str(int(time.time()) - 3600)
    with running(config, CountingRunner(), start_workers=False) as (client, _):
        body_only = p.grafana_headers(GRAFANA_SECRET, raw)
        response = client.post("/webhooks/grafana", content=raw, headers=body_only)
        assert response.status_code == 401
        assert "grafana_timestamp_header: null" in response.json()["error"]
        old = p.grafana_headers(GRAFANA_SECRET, raw, stale)
        assert client.post("/webhooks/grafana", content=raw, headers=old).status_code == 403


def _basic(user: str, password: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_grafana_bearer_token_and_basic_credentials(tmp_path: Path) -> None:
    config = settings(
        tmp_path,
        grafana_secret=None,
        grafana_tokens=["grafana-bearer-1"],
        grafana_basic_auth={"grafana": "basic-pass-1"},
    )
    raw = p.body(p.grafana())
    cases = [
        ({}, 401),
        ({"Authorization": "Bearer grafana-bearer-1"}, 200),
        ({"Authorization": "Bearer wrong"}, 403),
        ({"Authorization": f"Bearer {AM_TOKEN}"}, 403),  # another source's token
        (_basic("grafana", "basic-pass-1"), 200),
        (_basic("grafana", "wrong"), 403),
        (_basic("someone", "basic-pass-1"), 403),
        ({"Authorization": "Basic !!not-base64"}, 403),
        ({"X-Grafana-Alerting-Signature": "00"}, 401),  # signing is not configured
    ]
    with running(config, CountingRunner(), start_workers=False) as (client, server):
        for headers, status in cases:
            response = client.post("/webhooks/grafana", content=raw, headers=headers)
            assert response.status_code == status, (headers, response.text)
        missing = client.post("/webhooks/grafana", content=raw).json()["error"]
        assert "bearer" in missing and "Basic" in missing
        assert len(server.store.audit_records("webhook_refused")) == 8


def test_grafana_accepts_signature_or_token_when_both_are_configured(tmp_path: Path) -> None:
    config = settings(tmp_path, grafana_tokens=["grafana-bearer-1"])
    raw = p.body(p.grafana())
    now = str(int(time.time()))
    with running(config, CountingRunner(), start_workers=False) as (client, _):
        signed = p.grafana_headers(GRAFANA_SECRET, raw, now)
        assert client.post("/webhooks/grafana", content=raw, headers=signed).status_code == 200
        bearer = {"Authorization": "Bearer grafana-bearer-1"}
        assert client.post("/webhooks/grafana", content=raw, headers=bearer).status_code == 200
        # A wrong signature is not rescued by trying the other methods.
        wrong = p.grafana_headers("nope", raw, now) | bearer
        assert client.post("/webhooks/grafana", content=raw, headers=wrong).status_code == 403


def test_approver_tokens_must_differ_from_grafana_credentials(tmp_path: Path) -> None:
    config = settings(tmp_path, grafana_tokens=[APPROVER_TOKEN])
    with pytest.raises(ConfigError, match="alice"):
        build_server(config, CountingRunner())
