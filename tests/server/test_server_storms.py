"""Storms: one investigation per alert group, bounded fan-out, a fair queue, new episodes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import server_payloads as p
from server_harness import AM_AUTH, CountingRunner, quick_report, running, settings, wait_for

from agent.report.model import Report
from agent.server.workers import Job


def _am(client, payload):  # type: ignore[no-untyped-def]
    return client.post("/webhooks/alertmanager", content=p.body(payload), headers=AM_AUTH)


def _group(name: str, size: int, *, sender: str = "http://am-1:9093", starts: str = p.STARTS,
           status: str = "firing") -> dict[str, Any]:  # fmt: skip
    alerts = [p.am_alert(name, status=status, starts=starts, pod=f"{name.lower()}-{i}")
              for i in range(size)]  # fmt: skip
    payload = p.alertmanager(*alerts)
    payload["groupKey"] = f'{{}}:{{alertname="{name}"}}'
    payload["externalURL"] = sender
    return payload


class GroupRecorder:
    """Records the group context each investigation was started with."""

    def __init__(self) -> None:
        self.groups: dict[str, list[str]] = {}
        self.omitted: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, job: Job) -> Report:
        with self._lock:
            self.omitted[job.id] = job.alert.group_omitted  # first: tests wait on ``groups``
            self.groups[job.id] = [
                job.alert.labels["pod"],
                *(a.labels["pod"] for a in job.alert.group),
            ]
        return quick_report(job)


def test_five_groups_of_three_alerts_start_five_investigations_with_their_groups(
    tmp_path: Path,
) -> None:
    runner = GroupRecorder()
    with running(settings(tmp_path), runner) as (client, server):
        answers = [_am(client, _group(f"Storm{g}", 3)).json() for g in range(5)]
        assert all(a["outcomes"] == {"created": 3} for a in answers)
        assert all(len(a["investigations"]) == 1 for a in answers)
        wait_for(lambda: len(runner.groups) == 5)
        assert sorted(sorted(g) for g in runner.groups.values()) == [
            [f"storm{g}-{i}" for i in range(3)] for g in range(5)
        ]
        # A later notification of the group with a new alert attaches to the same investigation.
        grown = _group("Storm0", 4)
        again = _am(client, grown).json()
        assert again["outcomes"] == {"duplicate": 3, "cooldown": 1}
        assert again["investigations"] == answers[0]["investigations"]
        assert len(server.store.search()) == 5
        assert len(server.store.group_alerts(answers[0]["investigations"][0])) == 4


def test_one_payload_of_5000_alerts(tmp_path: Path) -> None:
    config = settings(tmp_path, max_body_bytes=8 * 1024 * 1024)
    grouped = _group("Huge", 5000)
    ungrouped = _group("Loose", 5000)
    ungrouped.pop("groupKey")
    with running(config, CountingRunner(), start_workers=False) as (client, server):
        one = _am(client, grouped).json()
        assert one["outcomes"] == {"created": 5000} and len(one["investigations"]) == 1
        # Without a group key each alert is its own group, and one payload starts at most 5.
        loose = _am(client, ungrouped).json()
        assert loose["outcomes"] == {"created": 5, "fan_out": 4995}
        assert len(server.store.search()) == 6
        # A legitimate alert afterwards is not stuck behind the storm's alerts.
        later = _am(client, p.alertmanager(p.am_alert("PaymentsDown"))).json()
        assert later["outcomes"] == {"created": 1}


def test_one_sender_cannot_fill_the_queue(tmp_path: Path) -> None:
    config = settings(tmp_path, queue_bound=20, queue_bound_per_sender=5)
    with running(config, CountingRunner(), start_workers=False) as (client, server):
        flood = [
            _am(client, _group(f"Noisy{i}", 1, sender="http://am-noisy")).json() for i in range(8)
        ]
        assert [f["outcomes"] for f in flood[5:]] == [{"queue_full": 1}] * 3
        other = _am(client, _group("Quiet", 1, sender="http://am-quiet")).json()
        assert other["outcomes"] == {"created": 1}
        quiet_id = other["investigations"][0]
        # Workers take the oldest investigation of the sender with the fewest running.
        first = server.store.queue.claim("worker-1")
        second = server.store.queue.claim("worker-2")
        assert first is not None and second is not None
        assert first.alert.name == "Noisy0" and second.id == quiet_id
        # The flood's alerts were stored: a re-send after the queue drains is investigated.
        assert len(server.store.query("SELECT * FROM alerts")) == 9


def test_a_new_episode_after_a_resolve_starts_a_new_investigation_that_links_the_old(
    tmp_path: Path,
) -> None:
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        old = _am(client, _group("Flappy", 2)).json()["investigations"][0]
        _am(client, _group("Flappy", 2, status="resolved"))
        refired = _am(client, _group("Flappy", 2, starts="2024-05-01T12:40:00Z")).json()
        assert refired["outcomes"] == {"created": 2}
        new = refired["investigations"][0]
        assert new != old
        assert server.store.get(new).follows == old  # type: ignore[union-attr]
        assert client.get(f"/investigations/{new}").json()["follows"] == old
        assert server.store.get(old).follows is None  # type: ignore[union-attr]


def test_one_resolved_alert_of_a_group_does_not_stop_the_group(tmp_path: Path) -> None:
    with running(settings(tmp_path), CountingRunner(), start_workers=False) as (client, server):
        inv = _am(client, _group("Pair", 2)).json()["investigations"][0]
        half = _group("Pair", 2)
        half["alerts"][0]["status"] = "resolved"
        assert _am(client, half).json()["investigations"] == [inv]
        assert server.store.queue.stop_reason(inv) is None
        both = _am(client, _group("Pair", 2, status="resolved")).json()
        assert both["investigations"] == [inv] and server.store.queue.stop_reason(inv) is not None


def test_a_storm_group_gives_its_investigation_a_bounded_context(tmp_path: Path) -> None:
    from agent.brains.claude.prompt import opening_message
    from agent.investigation.state import InvestigationState
    from agent.server.workers import MAX_GROUP_CONTEXT

    runner = GroupRecorder()
    with running(settings(tmp_path), runner) as (client, server):
        inv = _am(client, _group("Wide", MAX_GROUP_CONTEXT + 10)).json()["investigations"][0]
        wait_for(lambda: inv in runner.groups)
        assert len(runner.groups[inv]) == 1 + MAX_GROUP_CONTEXT
        assert runner.omitted[inv] == 9
        row = server.store.get(inv)
        assert row is not None
    alert = row.alert.model_copy(update={"group": (row.alert,), "group_omitted": 3})
    state = InvestigationState(id=inv, alert=alert, brain="claude", started_at=row.alert.starts_at)
    message = opening_message(state)
    assert '"other_alerts_in_group"' in message and '"more_alerts_in_group_not_shown": 3' in message
