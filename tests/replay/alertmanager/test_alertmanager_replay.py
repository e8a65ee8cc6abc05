from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
import yaml

from agent.alerts.fingerprint import fingerprint
from agent.replay.alertmanager import MatcherError, create_app, parse_matchers
from agent.replay.http import LoopbackServers

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _alert(labels: dict[str, str], status: str = "firing", ended: bool = False) -> dict[str, Any]:
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": f"{labels['alertname']} on {labels.get('pod', '?')}"},
        "startsAt": "2024-05-01T11:40:00.123Z",
        "endsAt": "2024-05-01T11:50:00Z" if ended else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": fingerprint(labels),
    }


CRASH = {
    "alertname": "KubePodCrashLooping",
    "namespace": "shop",
    "pod": "checkout-1",
    "severity": "critical",
}
CRASH_2 = {**CRASH, "pod": "checkout-2", "severity": "warning"}
GONE = {**CRASH, "pod": "checkout-old"}

PAYLOAD: dict[str, Any] = {
    "version": "4",
    "groupKey": '{}:{alertname="KubePodCrashLooping"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "incident-agent",
    "groupLabels": {"alertname": "KubePodCrashLooping"},
    "commonLabels": {"alertname": "KubePodCrashLooping", "namespace": "shop"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "alerts": [_alert(CRASH), _alert(CRASH_2), _alert(GONE, "resolved", ended=True)],
}


@pytest.fixture(scope="module")
def am() -> Iterator[httpx2.Client]:
    with (
        LoopbackServers({"am": create_app(PAYLOAD, NOW)}) as servers,
        httpx2.Client(base_url=servers.urls["am"]) as client,
    ):
        yield client


def _pods(response: httpx2.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(a["labels"]["pod"] for a in response.json())


def test_alerts_are_served_as_gettable_alerts(am: httpx2.Client) -> None:
    alerts = am.get("/api/v2/alerts").json()
    assert sorted(a["labels"]["pod"] for a in alerts) == ["checkout-1", "checkout-2"]
    first = next(a for a in alerts if a["labels"] == CRASH)
    assert first["fingerprint"] == fingerprint(CRASH) == PAYLOAD["alerts"][0]["fingerprint"]
    assert first["status"] == {"state": "active", "silencedBy": [], "inhibitedBy": []}
    assert first["receivers"] == [{"name": "incident-agent"}]
    assert first["startsAt"] == "2024-05-01T11:40:00.123Z"
    assert first["endsAt"] == "2024-05-01T12:05:00.000Z"  # now + resolve_timeout
    assert first["updatedAt"] == "2024-05-01T12:00:00.000Z"
    assert first["generatorURL"].startswith("http://prometheus:9090/graph")


def test_fingerprint_is_served_as_recorded_not_recomputed() -> None:
    payload = {**PAYLOAD, "alerts": [{**_alert(CRASH), "fingerprint": "00000000deadbeef"}]}
    with LoopbackServers({"am": create_app(payload, NOW)}) as servers:
        alerts = httpx2.get(servers.urls["am"] + "/api/v2/alerts").json()
    assert [a["fingerprint"] for a in alerts] == ["00000000deadbeef"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (['alertname="KubePodCrashLooping"'], ["checkout-1", "checkout-2"]),
        (["severity=critical"], ["checkout-1"]),
        (['severity!="critical"'], ["checkout-2"]),
        (['pod=~"checkout-.*"', 'severity!~"warn.*"'], ["checkout-1"]),
        (['{namespace="shop",pod="checkout-2"}'], ["checkout-2"]),
        (['pod=~"checkout"'], []),  # regexes are anchored
        (['team=""'], ["checkout-1", "checkout-2"]),  # absent label reads as empty
    ],
)
def test_filter_matchers(am: httpx2.Client, filters: list[str], expected: list[str]) -> None:
    assert _pods(am.get("/api/v2/alerts", params={"filter": filters})) == expected


def test_boolean_and_receiver_filters(am: httpx2.Client) -> None:
    assert _pods(am.get("/api/v2/alerts", params={"active": "false"})) == []
    both = ["checkout-1", "checkout-2"]
    assert _pods(am.get("/api/v2/alerts", params={"silenced": "false"})) == both
    assert _pods(am.get("/api/v2/alerts", params={"receiver": "incident-.*"})) == both
    assert _pods(am.get("/api/v2/alerts", params={"receiver": "incident"})) == []


@pytest.mark.parametrize(
    "bad", ["alertname", 'alertname="x', '{alertname="x"', 'pod=~"("', "1abc=x", "{}"]
)
def test_bad_matcher_is_400_with_message(am: httpx2.Client, bad: str) -> None:
    response = am.get("/api/v2/alerts", params={"filter": bad})
    assert response.status_code == 400
    assert isinstance(response.json(), str) and response.json()


def test_bad_receiver_regex_and_bool_are_400(am: httpx2.Client) -> None:
    assert am.get("/api/v2/alerts", params={"receiver": "("}).status_code == 400
    assert am.get("/api/v2/alerts", params={"active": "yes"}).status_code == 400


def test_quoted_values_unescape() -> None:
    [matcher] = parse_matchers(r'msg="say \"hi\", ok"')
    assert matcher.value == 'say "hi", ok'
    assert matcher.matches({"msg": 'say "hi", ok'})
    with pytest.raises(MatcherError):
        parse_matchers("")


def test_groups(am: httpx2.Client) -> None:
    [group] = am.get("/api/v2/alerts/groups").json()
    assert group["labels"] == {"alertname": "KubePodCrashLooping"}
    assert group["receiver"] == {"name": "incident-agent"}
    assert len(group["alerts"]) == 2
    filtered = am.get("/api/v2/alerts/groups", params={"filter": "pod=nope"}).json()
    assert filtered == []


def test_status_and_health(am: httpx2.Client) -> None:
    status = am.get("/api/v2/status").json()
    assert status["cluster"]["status"] == "ready"
    assert status["versionInfo"]["version"]
    config = yaml.safe_load(status["config"]["original"])
    assert config["route"]["receiver"] == "incident-agent"
    assert config["route"]["group_by"] == ["alertname"]
    assert datetime.fromisoformat(status["uptime"]) < NOW
    assert am.get("/-/ready").text == "OK"
    assert am.get("/-/healthy").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_writes_are_405(am: httpx2.Client, method: str) -> None:
    response = am.request(method, "/api/v2/alerts", json=[])
    assert response.status_code == 405


def test_resolved_alert_still_visible_before_its_end() -> None:
    alert = {**_alert(GONE, "resolved"), "endsAt": (NOW + timedelta(minutes=1)).isoformat()}
    with LoopbackServers({"am": create_app({**PAYLOAD, "alerts": [alert]}, NOW)}) as servers:
        [served] = httpx2.get(servers.urls["am"] + "/api/v2/alerts").json()
    assert served["endsAt"] == "2024-05-01T12:01:00.000Z"
