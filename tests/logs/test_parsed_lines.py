"""The per-investigation memo of per-line mining work: exact, keyed by its input, bounded, and
never shared between investigations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from replay_run import investigate_replay

from agent.brains.offline import OfflineBrain
from agent.investigation.state import InvestigationState
from agent.logs import TemplateMiner, mine
from agent.logs.bench import sample_lines
from agent.logs.masking import mask
from agent.logs.parsed import ParsedLines, Unshared
from agent.logs.shape import shape_of
from agent.logs.structured import split_message
from agent.replay.environment import ReplayEnvironment

LINES = sample_lines(4_000)


def _mined(lines: list[str], parsed: ParsedLines | None) -> tuple[Any, ...]:
    result = mine(lines, TemplateMiner(parsed=parsed))
    return result.templates, result.assignments


def test_memo_gives_what_the_functions_give() -> None:
    memo = ParsedLines()
    for _ in range(2):  # computed, then remembered
        for line in LINES[:500]:
            message, labels = memo.split(line)
            assert (message, labels) == split_message(line)
            assert memo.shape(message) == shape_of(mask(message))


def test_miners_sharing_a_memo_mine_exactly_as_alone() -> None:
    memo = ParsedLines()
    first, second = LINES[:2_500], LINES[1_500:]  # overlapping, as rank and query_logs read
    assert _mined(first, memo) == _mined(first, None)
    # The second miner finds most of its lines worked out already, in another order.
    assert _mined(second[::-1], memo) == _mined(second[::-1], None)
    assert _mined(second, memo) == _mined(second, None)


def test_keyed_by_the_whole_line_and_the_whole_message() -> None:
    memo = ParsedLines()
    a = memo.split('level=info msg="dial failed" addr=10.0.0.1')
    b = memo.split('level=warn msg="dial failed" addr=10.0.0.2')
    assert a[0] == b[0] == "dial failed"
    assert a[1] == {"level": "info", "addr": "10.0.0.1"}
    assert b[1] == {"level": "warn", "addr": "10.0.0.2"}
    # Messages equal after masking still get their own shapes (their displays differ).
    one, two = memo.shape("sent to 10.0.0.1 jk2_init"), memo.shape("sent to 10.0.0.1 jk3_init")
    assert one.key == two.key and one.display != two.display
    assert one == shape_of(mask("sent to 10.0.0.1 jk2_init"))


def test_bounded_and_still_exact_when_full() -> None:
    memo = ParsedLines(max_entries=10)
    assert _mined(LINES[:300], memo) == _mined(LINES[:300], None)
    assert repr(memo).startswith("ParsedLines(10 lines, 10 messages)")
    assert "msg" not in repr(memo) and "=" not in repr(memo)  # never the raw lines


@pytest.mark.xdist_group("checkout-5xx-0412")
@pytest.mark.replay
def test_one_memo_per_investigation_and_the_same_investigation_without_it(
    replay: Callable[[str], ReplayEnvironment], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = replay("checkout-5xx-0412")
    seen: list[ParsedLines | None] = []
    original = TemplateMiner.__init__

    def recording(self: TemplateMiner, **kwargs: Any) -> None:
        seen.append(kwargs.get("parsed"))
        original(self, **kwargs)

    monkeypatch.setattr(TemplateMiner, "__init__", recording)

    def run() -> tuple[list[ParsedLines | None], InvestigationState]:
        seen.clear()
        _, state = investigate_replay(env, OfflineBrain(env.bundle.catalog))
        return list(seen), state

    first, shared = run()
    second, _ = run()
    # rank_components' miner and every query_logs miner of one investigation share one memo,
    memos = {id(m) for m in first}
    assert len(first) >= 2 and None not in first and len(memos) == 1
    # ...and the next investigation starts with its own.
    assert {id(m) for m in second}.isdisjoint(memos)

    monkeypatch.setattr(ParsedLines, "split", staticmethod(Unshared.split))
    monkeypatch.setattr(ParsedLines, "shape", staticmethod(Unshared.shape))
    _, alone = run()
    assert _outputs(shared) == _outputs(alone)


def _outputs(state: InvestigationState) -> list[tuple[str, str, dict[str, Any]]]:
    return [(c.name, c.output, c.data) for t in state.turns for c in t.calls]
