"""Intake: normalisation of the three sources, bad input as 4xx, dedup, cooldown, storm."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import server_payloads as p
from server_harness import (
    AM_AUTH,
    GRAFANA_SECRET,
    PD_NEW,
    Clock,
    CountingRunner,
    running,
    settings,
    wait_for,
)

from agent.alerts.fingerprint import fingerprint
from agent.server.lookup import StoreAlertSource


def _am(client, payload):  # type: ignore[no-untyped-def]
    return client.post("/webhooks/alertmanager", content=p.body(payload), headers=AM_AUTH)


def test_all_sources_normalise_to_one_alert_model(tmp_path: Path) -> None:
    now = str(int(time.time()))
    grafana_raw = p.body(p.grafana(fingerprint=None))
    pd_raw = p.body(p.pagerduty())
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        assert _am(client, p.alertmanager()).status_code == 200
        assert client.post("/webhooks/grafana", content=grafana_raw,
                           headers=p.grafana_headers(GRAFANA_SECRET, grafana_raw, now)).status_code == 200  # fmt: skip
        assert client.post("/webhooks/pagerduty", content=pd_raw,
                           headers=p.pagerduty_headers(pd_raw, PD_NEW)).status_code == 200  # fmt: skip
        source = StoreAlertSource(server.store)
        am_labels = p.am_alert()["labels"]
        am = source.find(fingerprint(am_labels))
        assert (
            am is not None
            and am.source == "alertmanager"
            and am.expression == "rate(http_requests_total[5m])"
        )
        # Grafana without a fingerprint: Alertmanager's is computed from the labels.
        graf = source.find(fingerprint(p.grafana()["alerts"][0]["labels"]))
        assert graf is not None and graf.source == "grafana" and graf.name == "GrafanaLatency"
        pd_labels = {"alertname": "Checkout latency above SLO",
                     "incident_key": "d3640fbd41094207a1c11e58e46b1662", "service": "checkout"}  # fmt: skip
        pd = source.find(fingerprint(pd_labels))
        assert pd is not None and pd.source == "pagerduty"
        assert pd.annotations["pagerduty_incident"] == "PGR0VU2"
        assert pd.starts_at.isoformat() == "2024-05-01T11:58:30+00:00"
        assert source.find("0000000000000000") is None
        assert len(server.store.search()) == 3


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"\xff\xfe{}", 400, "UTF-8"),
        (b"[" * 40 + b"]" * 40, 400, "nested deeper than 32"),
        (b'{"version": "4", "status": "firing", "alerts": NaN}', 400, "NaN"),
        (b"[]", 422, "not a alertmanager payload"),
        (json.dumps({"version": "3", "status": "firing", "alerts": []}).encode(), 422, "version"),
        (
            json.dumps({"version": "4", "status": "firing", "alerts": [{"labels": {}}]}).encode(),
            422,
            "startsAt",
        ),
        (json.dumps(p.alertmanager(p.am_alert(starts="yesterday"))).encode(), 422, "RFC3339"),
        (
            json.dumps(
                {
                    "version": "4",
                    "status": "firing",
                    "alerts": [{"labels": {"a": 1}, "startsAt": p.STARTS}],
                }
            ).encode(),
            422,
            "labels.a",
        ),
        (b" " * (1024 * 1024 + 1), 413, "limit"),
    ],
)
def test_bad_bodies_are_4xx_naming_the_problem(
    tmp_path: Path, raw: bytes, status: int, message: str
) -> None:
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        response = client.post("/webhooks/alertmanager", content=raw, headers=AM_AUTH)
        assert response.status_code == status, response.text
        assert message in response.json()["error"]
        assert server.store.search() == []
        assert (
            server.metrics.value(
                "agent_webhook_requests_total", source="alertmanager", outcome="rejected"
            )
            == 1
        )


def test_oversized_streamed_body_without_length_is_413(tmp_path: Path) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    with running(
        settings(tmp_path, max_body_bytes=100_000), CountingRunner(), start_workers=False
    ) as (client, _):
        response = client.post("/webhooks/alertmanager", content=chunks(), headers=AM_AUTH)
        assert response.status_code == 413


def test_ha_duplicates_and_resends_start_one_investigation(tmp_path: Path) -> None:
    runner = CountingRunner()
    with running(settings(tmp_path), runner) as (client, server):
        first = _am(client, p.alertmanager()).json()
        second = _am(client, p.alertmanager()).json()  # the HA peer
        assert first["outcomes"] == {"created": 1} and second["outcomes"] == {"duplicate": 1}
        assert first["investigations"] == second["investigations"]
        wait_for(lambda: runner.ran)
        assert _am(client, p.alertmanager()).json()["outcomes"] == {"duplicate": 1}
        assert len(server.store.search()) == 1 and len(runner.ran) == 1


def test_cooldown_reuses_then_expires(tmp_path: Path) -> None:
    clock = Clock()
    with running(settings(tmp_path), CountingRunner(), clock=clock, start_workers=False) as (
        client,
        _server,
    ):
        inv = _am(client, p.alertmanager()).json()["investigations"][0]
        clock.now += 3600  # re-fired an hour later: new startsAt, same fingerprint
        again = _am(client, p.alertmanager(p.am_alert(starts="2024-05-01T13:00:00Z"))).json()
        assert again["outcomes"] == {"cooldown": 1} and again["investigations"] == [inv]
        clock.now += 6 * 3600
        later = _am(client, p.alertmanager(p.am_alert(starts="2024-05-01T19:00:00Z"))).json()
        assert later["outcomes"] == {"created": 1} and later["investigations"] != [inv]


def test_bounded_queue_stores_alert_but_does_not_queue(tmp_path: Path) -> None:
    with running(settings(tmp_path, queue_bound=2), CountingRunner(), start_workers=False) as (
        client,
        server,
    ):
        outcomes = [
            _am(client, p.alertmanager(p.am_alert(f"A{i}"))).json()["outcomes"] for i in range(3)
        ]
        assert outcomes[-1] == {"queue_full": 1}
        assert len(server.store.query("SELECT * FROM alerts")) == 3
        assert server.store.counts()["queued"] == 2


def test_pagerduty_replayed_event_and_non_incident_events(tmp_path: Path) -> None:
    raw = p.body(p.pagerduty())
    ack = p.body(p.pagerduty("incident.acknowledged", event_id="ack-1"))
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        headers = p.pagerduty_headers(raw, PD_NEW)
        assert (
            client.post("/webhooks/pagerduty", content=raw, headers=headers).json()[
                "replayed_event"
            ]
            is False
        )
        replay = client.post("/webhooks/pagerduty", content=raw, headers=headers).json()
        assert replay["replayed_event"] is True and replay["outcomes"] == {"duplicate": 1}
        ignored = client.post(
            "/webhooks/pagerduty", content=ack, headers=p.pagerduty_headers(ack, PD_NEW)
        ).json()
        assert ignored["ignored"] == ["incident.acknowledged"] and ignored["alerts"] == 0
        assert len(server.store.search()) == 1


def test_storm_of_1000_posts_across_5_groups_starts_5_investigations(tmp_path: Path) -> None:
    runner = CountingRunner()
    payloads = [p.body(p.alertmanager(p.am_alert(f"Storm{g}"))) for g in range(5)]
    with running(settings(tmp_path), runner) as (client, server):
        started = time.monotonic()
        errors: list[int] = []

        def post(offset: int) -> None:
            for i in range(offset, 1000, 4):
                r = client.post("/webhooks/alertmanager", content=payloads[i % 5], headers=AM_AUTH)
                if r.status_code != 200:
                    errors.append(r.status_code)

        threads = [threading.Thread(target=post, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        assert errors == [] and elapsed < 60
        assert len(server.store.search()) == 5
        wait_for(lambda: len(runner.ran) == 5)
        time.sleep(0.1)
        assert sorted(runner.ran) == sorted(r.id for r in server.store.search())
        assert (
            server.metrics.value(
                "agent_webhook_requests_total", source="alertmanager", outcome="accepted"
            )
            == 1000
        )


def test_measure_intake_reports_figures() -> None:
    from agent.server.bench import measure_intake

    figures = measure_intake(n=100, clients=2)
    assert (
        figures["alerts"] == 100 and figures["failures"] == 0 and figures["investigations"] == 100
    )
    assert figures["alerts_per_second"] > 0 and figures["p99_ms"] >= figures["p50_ms"] > 0
