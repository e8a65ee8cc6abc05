"""Turn a raw log line into the token list the template miner clusters.

Variable parts are masked *before* clustering, with typed masks (``<TS>``, ``<UUID>``, ``<IP>``,
``<HEX>``, ``<DUR>``, ``<NUM>``, ``<STR>``) so that ids and numbers never split an event into many
templates and the template still says what kind of value varied.

JSON lines (``{…}``) are templated from their message field: the first of ``msg``, ``message``,
``log``, ``error`` (with ``error`` appended as ``error=…`` when a message is also present), after
the lower-cased level (``level``/``lvl``/``severity``) when there is one. Other JSON fields are
dropped: they are mostly request-scoped values that would only split templates. A JSON object
without a message field is templated by its sorted key names, so lines of one shape group.
"""

from __future__ import annotations

import json
import re

_MESSAGE_KEYS = ("msg", "message", "log", "error", "err")
_LEVEL_KEYS = ("level", "lvl", "severity", "levelname")

# Order matters: wider shapes (timestamps, UUIDs, IPs) go before the numbers inside them.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
            r"|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
            r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\b"
        ),
        "<TS>",
    ),
    (re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b"), "<UUID>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"), "<IP>"),
    # Kubernetes pod names: keep the workload name, mask the ReplicaSet hash and pod suffix.
    (re.compile(r"\b([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-[a-z0-9]{8,10}-[a-z0-9]{5}\b"), r"\1-<*>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[a-f]*\d)(?=\d*[a-f])[0-9a-f]{8,}\b"), "<HEX>"),
    (
        re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)(?:\d+(?:\.\d+)?(?:ms|s|m))*\b"),
        "<DUR>",
    ),
    (re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[KMGT]i?B?|%|[eE][-+]?\d+)?(?![\w.])"), "<NUM>"),
    # Quoted strings except the values of message-like keys, which are the event itself.
    (
        re.compile(r"(?<!msg=)(?<!message=)(?<!error=)(?<!err=)\"(?:[^\"\\]|\\.)*\""),
        "<STR>",
    ),
    # Values of id-like logfmt keys (request_id=abc, user=bob) are per-request by definition.
    (
        re.compile(
            r"\b((?:\w+_)?(?:id|uid|user|username|trace|span|request|session|pod|host))="
            r"(?!<)[^\s\"]+",
            re.I,
        ),
        r"\1=<*>",
    ),
)


def _message_of(obj: dict[str, object]) -> str:
    level = next((obj[k] for k in _LEVEL_KEYS if isinstance(obj.get(k), str)), None)
    msg_key = next((k for k in _MESSAGE_KEYS if isinstance(obj.get(k), str)), None)
    if msg_key is None:
        return " ".join(f"{k}=<*>" for k in sorted(obj))
    parts = [str(level).lower()] if level else []
    parts.append(str(obj[msg_key]))
    for extra in ("error", "err"):
        if extra != msg_key and isinstance(obj.get(extra), str):
            parts.append(f"{extra}={obj[extra]}")
    return " ".join(parts)


def text_of(line: str) -> str:
    """Return the text to template: the line itself, or a JSON line's level and message."""
    stripped = line.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            obj = json.loads(stripped)
        except ValueError:
            return stripped
        if isinstance(obj, dict):
            return _message_of(obj)
    return stripped


def mask(text: str) -> str:
    """Replace the variable parts of ``text`` with typed masks such as ``<NUM>``."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def tokens_of(line: str) -> list[str]:
    """Return the masked, whitespace-split tokens of one raw log line."""
    return mask(text_of(line)).split()
