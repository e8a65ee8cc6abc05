"""The typed masks' prefilters (``start``, ``needs``) only make masking faster, never different."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.logs.bench import sample_lines
from agent.logs.masking import MASKS, Mask
from agent.logs.structured import split_message

# Pieces that make each mask match, almost match, or match in unusual places.
_PIECES = [
    *'ab=" \t{}[]():,;|/.-_+0123456789xXfFeE%<>*@',
    "é",
    "٣",  # an Arabic-Indic digit: \d matches it too
    "µs",
    "2025-01-02T03:04:05.123Z",
    "2025-01-02 03:04:05,1",
    "03:04:05",
    "Mon, Jan 5",
    "Sept. 12",
    "Thursday June 7",
    "10.0.0.1",
    "10.0.0.1:8080",
    "github.com:443",
    "wpad:80",
    "pod-7d9f8c6b5d-x2x9q",
    "a-b-abcdefgh1-abcde",
    "0x1F",
    "deadbeef12",
    "550e8400-e29b-41d4-a716-446655440000",
    "12ms",
    "1.5h30m",
    "1:02:03",
    "00:02",
    "4KiB",
    "-3.5e-7",
    "42%",
]


def _by_plain_pattern(mask: Mask, text: str) -> str:
    return re.sub(mask.source, mask.replacement, text)


@pytest.mark.parametrize("mask", MASKS, ids=lambda m: m.replacement)
@settings(max_examples=400, derandomize=True, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=24))
def test_prefiltered_mask_replaces_what_its_plain_pattern_does(
    mask: Mask, pieces: list[str]
) -> None:
    text = "".join(pieces)
    assert mask.apply(text) == _by_plain_pattern(mask, text)


@pytest.mark.parametrize("mask", MASKS, ids=lambda m: m.replacement)
def test_prefiltered_mask_on_realistic_lines(mask: Mask) -> None:
    for line in sample_lines(3_000):
        message = split_message(line)[0]
        assert mask.apply(message) == _by_plain_pattern(mask, message), message
