"""Typed masks for the variable parts of a log message, so templates say what kind of value varied.

Well-known value shapes are replaced *before* clustering, with typed masks (``<TS>``, ``<UUID>``,
``<IP>``, ``<HOST>``, ``<HEX>``, ``<DUR>``, ``<NUM>``), so ids and numbers never split an event and the
template still reads ``connected to <IP> in <DUR>``. What the masks miss (``blk_-42``, host
names, paths, words that vary) is decided by :mod:`agent.logs.shape` and the miner.

``text_of`` is kept for callers that want the message of a raw line (JSON, logfmt or text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.logs.structured import split_message


@dataclass(frozen=True)
class Mask:
    """One typed mask: the pattern it replaces, with what, and two ways to find matches faster.

    ``start`` is a character class that every match starts with and ``needs`` a part that every
    match contains. Neither changes what is replaced: a lookahead on ``start`` in front of the
    pattern spares trying every alternative at every position, and a message without ``needs``
    is returned as it is without running the pattern (most messages hold no pod name, UUID,
    host or IP).
    """

    source: str
    replacement: str
    start: str | None = None
    needs: str | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _needs: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        source = self.source if self.start is None else f"(?={self.start})(?:{self.source})"
        object.__setattr__(self, "_pattern", re.compile(source))
        object.__setattr__(self, "_needs", re.compile(self.needs) if self.needs else None)

    def apply(self, text: str) -> str:
        """``text`` with every match of the pattern replaced."""
        if self._needs is not None and not self._needs.search(text):
            return text
        return self._pattern.sub(self.replacement, text)


# Order matters: wider shapes (timestamps, UUIDs, IPs) go before the numbers inside them.
MASKS: tuple[Mask, ...] = (
    Mask(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
        r"|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        r"|\b(?:(?:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:rs(?:day)?)?"
        r"|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?),?\s+)?"
        r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
        r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+\d{1,2}\b",
        "<TS>",
        start=r"[\dMTWFSJAOND]",  # a digit, or the first letter of a weekday or month name
    ),
    Mask(
        r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b",
        "<UUID>",
        needs=r"-(?:[0-9a-fA-F]{4}-){3}",
    ),
    Mask(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b", "<IP>", needs=r"\d\.\d{1,3}\.\d{1,3}\.\d"),
    # host:port as a whole token (github.com:443, wpad:80); host names are lower case.
    Mask(
        r"(?<![\w.:/<>-])[a-z][a-z0-9.-]*:\d{2,5}(?=[\s,;)\]]|$)",
        "<HOST>",
        needs=r":\d{2,5}(?=[\s,;)\]]|$)",
    ),
    # Kubernetes pod names: keep the workload name, mask the ReplicaSet hash and pod suffix.
    Mask(
        r"\b([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-[a-z0-9]{8,10}-[a-z0-9]{5}\b",
        r"\1-<*>",
        needs=r"-[a-z0-9]{8,10}-[a-z0-9]{5}\b",
    ),
    Mask(r"\b0x[0-9a-fA-F]+\b|\b(?=[a-f]*\d)(?=\d*[a-f])[0-9a-f]{8,}\b", "<HEX>", start="[0-9a-f]"),
    Mask(
        r"(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)(?:\d+(?:\.\d+)?(?:ms|s|m))*\b"
        # clock-style durations (00:02, 1:02:03) once full timestamps are gone
        r"|(?<![\w.:])\d+:\d{2}(?::\d{2})?(?![\w:])",
        "<DUR>",
        start=r"\d",
        needs=r"\d(?:ns|us|µs|ms|s|m|h)|\d:\d\d",
    ),
    Mask(
        r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[KMGT]i?B?|%|[eE][-+]?\d+)?(?![\w.])",
        "<NUM>",
        start=r"[-+\d]",
    ),
)


_MAY_MASK = re.compile(r"\d|[a-z0-9]-[a-z0-9]{5}\b|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
# Every mask matches digits only through \d or [0-9…] classes, so which masks apply, and where,
# depends on where the digits are, not on their values: lines equal after this map mask alike.
DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


def mask(text: str) -> str:
    """Replace the well-known variable shapes in ``text`` with typed masks such as ``<NUM>``."""
    if not _MAY_MASK.search(text):
        return text  # each shape holds a digit, a month name or a pod-name suffix
    for typed in MASKS:
        text = typed.apply(text)
    return text


def text_of(line: str) -> str:
    """Return the text to template: the line itself, or a structured line's message field."""
    return split_message(line)[0]
