"""Reads need a viewer (or approver) token: 401 without one, 403 with a wrong one; /healthz stays open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import server_payloads as p
from server_harness import (
    AM_AUTH,
    APPROVER_TOKEN,
    VIEWER,
    CountingRunner,
    admit,
    running,
    settings,
)
from starlette.testclient import TestClient

from agent.alerts.model import alert_from_alertmanager
from agent.errors import ConfigError
from agent.server.build import build_server

READS = ["/investigations", "/investigations/{inv}", "/investigations/{inv}/report.md",
         "/metrics", "/openapi.json"]  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    config = settings(tmp_path_factory.mktemp("reads"))
    with running(config, CountingRunner(), start_workers=False, viewer_session=False) as (client, server):  # fmt: skip
        inv = admit(server.store, alert_from_alertmanager(p.am_alert()))
        yield client, inv


@pytest.mark.parametrize("path", READS)
def test_reads_without_credentials_are_401_and_wrong_ones_403(
    served: tuple[TestClient, str], path: str
) -> None:
    client, inv = served
    url = path.format(inv=inv)
    missing = client.get(url)
    assert missing.status_code == 401 and "viewer_tokens" in missing.json()["error"]
    assert client.get(url, headers={"Authorization": "Basic eDp5"}).status_code == 401
    for wrong in ("nope", AM_AUTH["Authorization"].split()[1]):  # a webhook token cannot read
        assert client.get(url, headers={"Authorization": f"Bearer {wrong}"}).status_code == 403
    viewer = client.get(url, headers=VIEWER)
    # report.md is 409 while the investigation has no report: authorised, just not ready.
    assert viewer.status_code == (409 if url.endswith("report.md") else 200), viewer.text
    approver = client.get(url, headers={"Authorization": f"Bearer {APPROVER_TOKEN}"})
    assert approver.status_code == viewer.status_code


def test_healthz_stays_open_and_there_is_no_swagger_ui(served: tuple[TestClient, str]) -> None:
    client, _ = served
    assert client.get("/healthz").json() == {"status": "ok"}
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path, headers=VIEWER).status_code == 404
    doc = client.get("/openapi.json", headers=VIEWER).text
    assert "cdn" not in doc.lower() and "/investigations" in doc


def test_a_viewer_cannot_approve_over_the_api(served: tuple[TestClient, str]) -> None:
    client, inv = served
    url = f"/investigations/{inv}/remediations/r1/approve"
    answer = client.post(url, json={"confirm": "shop/checkout"}, headers=VIEWER)
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"viewer_tokens": {"am-token-123": "eve"}}, "webhook credential"),
        ({"viewer_tokens": {APPROVER_TOKEN: "eve"}}, "approver token"),
    ],
)
def test_viewer_tokens_must_be_their_own(
    tmp_path: Path, extra: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build_server(settings(tmp_path, **extra), CountingRunner())


def test_serve_refuses_half_a_tls_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent.cli.serve import main

    cert = tmp_path / "cert.pem"
    cert.write_text("not used")
    assert main(["--tls-cert", str(cert), "--port", "0"]) == 2
    assert "--tls-cert and --tls-key go together" in capsys.readouterr().err
    assert main(["--tls-cert", str(cert), "--tls-key", str(tmp_path / "no.pem")]) == 2
    assert "no.pem does not exist" in capsys.readouterr().err
