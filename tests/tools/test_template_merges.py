"""Window templates that merge while lines stream in (a word turns out to vary) count as one."""

from __future__ import annotations

from agent.bundle.model import LogRecord
from tools.summarise.templates import cluster

USERS = ["cyrus", "news", "test", "root", "alice", "bob"]


def _rec(ts: int, line: str, pod: str = "auth-0") -> LogRecord:
    return LogRecord(ts_ns=ts * 10**9, labels={"pod": pod}, line=line)


def test_merged_window_templates_add_up_and_keep_their_first_id() -> None:
    window = [_rec(10 + i, f"session opened for user {u}") for i, u in enumerate(USERS)]
    window.append(_rec(30, "disk full on /dev/sda1", pod="db-0"))
    facts = cluster(window, None, 600, 600)
    # ids 1-5 merged at the fifth user; the sixth fitted the merged template
    assert [(f.id, f.count) for f in facts] == [(1, 6), (6, 1)]
    session = facts[0]
    assert session.template == "session opened for user <*>"
    assert (session.first_ns, session.last_ns) == (10 * 10**9, 15 * 10**9)
    assert session.sources == {"pod=auth-0": 6} and len(session.examples) == 2


def test_baseline_lines_count_toward_the_merged_template() -> None:
    window = [_rec(100 + i, f"session opened for user {u}") for i, u in enumerate(USERS[:3])]
    baseline = [_rec(i, f"session opened for user {u}") for i, u in enumerate(USERS[3:])]
    [facts] = cluster(window, baseline, 600, 600)
    # the baseline brings the fourth to sixth user: the window's three templates become one
    assert (facts.id, facts.count, facts.baseline_count, facts.mark) == (1, 3, 3, "KNOWN")
