"""Authenticated bodies that decode to values Python cannot handle are 4xx, never 5xx.

A 5,000-digit JSON integer raises ``ValueError`` (Python's int-string limit) rather than a
decode error, and an escaped lone surrogate (``"\\ud800"``) decodes to a ``str`` that cannot be
encoded for fingerprints or SQLite. Alertmanager retries 5xx forever, so both must be 4xx.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import server_payloads as p
from server_harness import AM_AUTH, GRAFANA_SECRET, PD_NEW, CountingRunner, running, settings

HUGE = "1" * 5000
SURROGATE = '"\\ud800"'


def _signed(source: str, raw: bytes) -> dict[str, str]:
    if source == "alertmanager":
        return AM_AUTH
    if source == "grafana":
        return p.grafana_headers(GRAFANA_SECRET, raw, str(int(time.time())))
    return p.pagerduty_headers(raw, PD_NEW)


def _with_raw(source: str, where: str, token: str) -> bytes:
    """A real payload of ``source`` whose field ``where`` holds the raw JSON ``token``."""
    payload: dict[str, Any] = {
        "alertmanager": p.alertmanager,
        "grafana": p.grafana,
        "pagerduty": p.pagerduty,
    }[source]()
    target = payload["event"]["data"] if source == "pagerduty" else payload["alerts"][0]
    if where == "label":
        target = target.get("labels", target.get("service"))
        key = "alertname" if "alertname" in target else "summary"
    else:
        key = "number" if source == "pagerduty" else "extra_number"
    target[key] = "__RAW__"
    return p.body(payload).replace(b'"__RAW__"', token.encode())


@pytest.mark.parametrize("source", ["alertmanager", "grafana", "pagerduty"])
@pytest.mark.parametrize(
    ("where", "token", "message"),
    [
        ("number", HUGE, "an integer of 5000 digits"),
        ("number", "-" + HUGE, "an integer of 5000 digits"),
        ("number", HUGE + ".5", "out of range"),
        ("number", "1e999", "out of range"),
        ("label", SURROGATE, "lone surrogate"),
        ("label", '"ok \\udfff tail"', "lone surrogate"),
    ],
)
def test_unrepresentable_values_are_400(
    tmp_path: Path, source: str, where: str, token: str, message: str
) -> None:
    raw = _with_raw(source, where, token)
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        response = client.post(f"/webhooks/{source}", content=raw, headers=_signed(source, raw))
        assert response.status_code == 400, response.text
        assert message in response.json()["error"]
        assert server.store.search() == []


def test_surrogate_in_a_key_names_where(tmp_path: Path) -> None:
    raw = p.body(p.alertmanager()).replace(b'"namespace"', b'"name\\ud800space"')
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, _):
        response = client.post("/webhooks/alertmanager", content=raw, headers=AM_AUTH)
        assert response.status_code == 400
        assert "a key in commonLabels contains a lone surrogate" in response.json()["error"]


def test_paired_surrogates_are_one_character_and_accepted(tmp_path: Path) -> None:
    # "\ud83d\ude80" is the escaped form of one emoji: valid JSON, a valid label value.
    raw = _with_raw("alertmanager", "label", '"Rocket \\ud83d\\ude80"')
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        response = client.post("/webhooks/alertmanager", content=raw, headers=AM_AUTH)
        assert response.status_code == 200, response.text
        assert server.store.search()[0].alert.name == "Rocket \U0001f680"
