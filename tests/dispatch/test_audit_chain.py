"""The hash-chained audit log: append, read back, continue, detect tampering, no raw newlines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from agent.audit import GENESIS, AuditLog, verify_chain

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _append(log: AuditLog, call_id: str, **extra: object) -> None:
    log.append(
        investigation_id="inv-1",
        call_id=call_id,
        tool="query_logs",
        arguments={"query": '{namespace="db"}'},
        decision="allow",
        rule="tools.query_logs",
        status="ok",
        **extra,
    )


def test_records_chain_and_verify(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, clock=lambda: NOW)
    for n in range(3):
        _append(log, str(n))
    records = log.records()
    assert [r.call_id for r in records] == ["0", "1", "2"]
    assert records[0].prev_hash == GENESIS
    assert records[1].prev_hash == records[0].hash
    assert records[0].time == NOW
    assert verify_chain(path)


def test_reopening_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _append(AuditLog(path), "a")
    _append(AuditLog(path), "b")
    assert verify_chain(path)
    assert len(AuditLog(path).records()) == 2


def test_tampering_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(3):
        _append(log, str(n))
    lines = path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["decision"] = "deny"
    path.write_text("\n".join([lines[0], json.dumps(edited), lines[2]]) + "\n")
    assert not verify_chain(path)
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")  # a deleted record
    assert not verify_chain(path)
    path.write_text("\n".join([lines[1], lines[0], lines[2]]) + "\n")  # reordered
    assert not verify_chain(path)


def test_no_raw_line_breaks_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _append(AuditLog(path), "x\r\nFAKE RECORD", reason="a\nb\u2028c")
    assert len(path.read_bytes().splitlines()) == 1
    assert AuditLog(path).records()[0].call_id == "x\r\nFAKE RECORD"


def test_in_memory_log() -> None:
    log = AuditLog(None, clock=lambda: NOW)
    _append(log, "m")
    assert log.records()[0].hash != ""


def test_two_writers_of_one_file_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    first, second = AuditLog(path), AuditLog(path)
    for log in (first, second, first):
        log.append(
            investigation_id="i", call_id="c", tool="t", decision="allow", rule="r", status="ok"
        )
    assert verify_chain(path)
    assert len(AuditLog(path).records()) == 3
