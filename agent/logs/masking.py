"""Typed masks for the variable parts of a log message, so templates say what kind of value varied.

Well-known value shapes are replaced *before* clustering, with typed masks (``<TS>``, ``<UUID>``,
``<IP>``, ``<HOST>``, ``<HEX>``, ``<DUR>``, ``<NUM>``), so ids and numbers never split an event and the
template still reads ``connected to <IP> in <DUR>``. What the masks miss (``blk_-42``, host
names, paths, words that vary) is decided by :mod:`agent.logs.shape` and the miner.

``text_of`` is kept for callers that want the message of a raw line (JSON, logfmt or text).
"""

from __future__ import annotations

import re

from agent.logs.structured import split_message

# Order matters: wider shapes (timestamps, UUIDs, IPs) go before the numbers inside them.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
            r"|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
            r"|\b(?:(?:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:rs(?:day)?)?"
            r"|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?),?\s+)?"
            r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
            r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+\d{1,2}\b"
        ),
        "<TS>",
    ),
    (re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b"), "<UUID>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"), "<IP>"),
    # host:port as a whole token (github.com:443, wpad:80); host names are lower case.
    (re.compile(r"(?<![\w.:/<>-])[a-z][a-z0-9.-]*:\d{2,5}(?=[\s,;)\]]|$)"), "<HOST>"),
    # Kubernetes pod names: keep the workload name, mask the ReplicaSet hash and pod suffix.
    (re.compile(r"\b([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-[a-z0-9]{8,10}-[a-z0-9]{5}\b"), r"\1-<*>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[a-f]*\d)(?=\d*[a-f])[0-9a-f]{8,}\b"), "<HEX>"),
    (
        re.compile(
            r"(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)(?:\d+(?:\.\d+)?(?:ms|s|m))*\b"
            # clock-style durations (00:02, 1:02:03) once full timestamps are gone
            r"|(?<![\w.:])\d+:\d{2}(?::\d{2})?(?![\w:])"
        ),
        "<DUR>",
    ),
    (re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[KMGT]i?B?|%|[eE][-+]?\d+)?(?![\w.])"), "<NUM>"),
)


_MAY_MASK = re.compile(r"\d|[a-z0-9]-[a-z0-9]{5}\b|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
# Every mask matches digits only through \d or [0-9…] classes, so which masks apply, and where,
# depends on where the digits are, not on their values: lines equal after this map mask alike.
DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


def mask(text: str) -> str:
    """Replace the well-known variable shapes in ``text`` with typed masks such as ``<NUM>``."""
    if not _MAY_MASK.search(text):
        return text  # each shape holds a digit, a month name or a pod-name suffix
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def text_of(line: str) -> str:
    """Return the text to template: the line itself, or a structured line's message field."""
    return split_message(line)[0]
