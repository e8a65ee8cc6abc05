"""Two in-process servers on one PostgreSQL database: either answers for any investigation."""

from __future__ import annotations

from pathlib import Path

import server_payloads as p
from server_harness import AM_AUTH, CountingRunner, running, settings, wait_for


def test_any_replica_answers_for_work_another_took_in(postgres_url: str, tmp_path: Path) -> None:
    runner = CountingRunner()
    first = settings(tmp_path / "a", database_url=postgres_url)
    second = settings(tmp_path / "b", database_url=postgres_url)
    with (
        running(first, runner) as (client_a, server_a),
        running(second, CountingRunner(), start_workers=False) as (client_b, server_b),
    ):
        body = p.body(p.alertmanager())
        # The HA pair: the same notification reaches both replicas.
        answers = [c.post("/webhooks/alertmanager", content=body, headers=AM_AUTH).json()
                   for c in (client_a, client_b)]  # fmt: skip
        assert [a["outcomes"] for a in answers] == [{"created": 1}, {"duplicate": 1}]
        (inv,) = {i for a in answers for i in a["investigations"]}
        wait_for(lambda: client_b.get(f"/investigations/{inv}").json()["status"] == "done")
        assert runner.ran == [inv]
        detail = client_b.get(f"/investigations/{inv}").json()
        assert detail["report"]["investigation_id"] == inv and detail["attempts"] == 1
        assert client_b.get(f"/investigations/{inv}/report.md").status_code == 200
        assert 'agent_investigations{status="done"} 1' in client_b.get("/metrics").text
        assert server_a.store.description == server_b.store.description
        assert not (tmp_path / "a" / "server.db").exists()
