"""Replace secrets and PII with stable, per-investigation placeholders.

A value becomes ``‹KIND:xxxxxx›`` where the hex is the start of HMAC-SHA256(key, value). The key
is new for every investigation, so a placeholder says "these two lines share a value" without
being a lookup key across investigations, and the model never sees the value itself. The hash
covers the value only, so one secret gets one placeholder whichever detector found it.

Redaction is idempotent: placeholders contain no characters any detector accepts as a value.
"""

from __future__ import annotations

import hmac
import os
import re
from collections import Counter
from collections.abc import Iterable
from hashlib import sha256
from typing import TypeAlias

from agent.safety.detectors import DETECTORS, PLACEHOLDER, Detector, secret_value, value_group
from agent.safety.keys import looks_secret_key

JSONish: TypeAlias = "dict[str, JSONish] | list[JSONish] | str | int | float | bool | None"

_HEX_CHARS = 6  # 16M buckets: collisions within one investigation are negligible
_MAX_PASSES = 4  # a bound, not a budget: real inputs settle after one or two passes


def _any_of(triggers: Iterable[str]) -> re.Pattern[str]:
    """A regex that finds any of the literal ``triggers``: a substring test, in one search."""
    return re.compile("|".join(re.escape(t) for t in sorted(set(triggers))))


# Each detector with the regex of its triggers (None: it always runs), in the detectors' order,
# and one regex over the triggers of all detectors compared as written, one over the lower-cased.
_PLAN = tuple((d, _any_of(d.triggers) if d.triggers else None) for d in DETECTORS)
_ANY_CASED = _any_of(t for d in DETECTORS if not d.lower_triggers for t in d.triggers)
_ANY_LOWER = _any_of(t for d in DETECTORS if d.lower_triggers for t in d.triggers)
# A command-line flag standing alone in an argument list: ["--db-password", "hunter2"].
_FLAG = re.compile(r"--?(?P<key>[A-Za-z][\w.-]*)")


class Redactor:
    """Redacts text and JSON-like data for one investigation.

    Attributes:
        found: How many values each detector replaced (``"jwt"``, ``"email"``,
            ``"secret_field"`` …), for the audit log.
    """

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("Redactor key must be non-empty bytes")
        self._key = key
        self._cache: dict[tuple[str, str], str] = {}
        self.found: Counter[str] = Counter()

    @classmethod
    def with_random_key(cls) -> Redactor:
        """Return a Redactor with a fresh random 32-byte key (one per investigation)."""
        return cls(os.urandom(32))

    def placeholder(self, kind: str, value: str) -> str:
        """Return the placeholder for ``value``, e.g. ``‹SECRET:3f2a9c›``."""
        cached = self._cache.get((kind, value))
        if cached is None:
            digest = hmac.new(self._key, value.encode("utf-8", "surrogatepass"), sha256)
            cached = f"‹{kind}:{digest.hexdigest()[:_HEX_CHARS]}›"
            self._cache[(kind, value)] = cached
        return cached

    def redact(self, text: str) -> str:
        """Return ``text`` with every detected secret and PII value replaced."""
        # A replacement changes what its neighbours look like to the detectors (a placeholder
        # is a word boundary where the value was a word character), so a second pass can find
        # more. Repeating until nothing changes makes redact(redact(x)) == redact(x) hold by
        # construction; lines without secrets, the vast majority, take a single pass.
        for _ in range(_MAX_PASSES):
            redacted = self._one_pass(text)
            if redacted is text:
                return text
            text = redacted
        return text

    def _one_pass(self, text: str) -> str:
        lowered = text.lower()
        cased, lower = _ANY_CASED.search(text), _ANY_LOWER.search(lowered)
        for det, trigger in _PLAN:
            if trigger is not None:
                # Most text holds no trigger of any detector: two searches skip them all.
                if det.lower_triggers:
                    if lower is None or trigger.search(lowered) is None:
                        continue
                elif cased is None or trigger.search(text) is None:
                    continue
            new = self._substitute(det, text)
            if new is not text:
                text, lowered = new, new.lower()
                cased, lower = _ANY_CASED.search(text), _ANY_LOWER.search(lowered)
        return text

    def redact_lines(self, lines: Iterable[str]) -> list[str]:
        """Redact each line; a convenience for callers and throughput measurements."""
        return [self.redact(line) for line in lines]

    def redact_obj(self, obj: JSONish) -> JSONish:
        """Return a copy of ``obj`` with strings redacted and secret-named fields hidden.

        A field is hidden when its key looks secret (``{"password": …}``) or when it is the
        ``value`` of a name/value pair whose name looks secret, the shape of Kubernetes env
        vars (``{"name": "DB_PASSWORD", "value": …}``) and OpenTelemetry attributes
        (``{"key": "db.password", "value": {"stringValue": …}}``). Every scalar below a hidden
        field is hidden too; booleans and nulls stay, since they reveal nothing. In a list, the
        element after a secret-named flag is hidden (container args ``["--db-password", …]``).
        """
        return self._walk(obj, secret=False)

    def _walk(self, obj: JSONish, *, secret: bool) -> JSONish:
        if isinstance(obj, dict):
            pair_name = obj.get("name", obj.get("key"))
            pair_secret = isinstance(pair_name, str) and looks_secret_key(pair_name)
            out: dict[str, JSONish] = {}
            for k, v in obj.items():
                hide = looks_secret_key(k) or (pair_secret and k == "value")
                out[self.redact(k)] = self._walk(v, secret=secret or hide)
            return out
        if isinstance(obj, list):
            items: list[JSONish] = []
            flag: str | None = None
            for v in obj:
                hide = flag is not None and isinstance(v, str) and secret_value(flag, v)
                items.append(self._walk(v, secret=secret or hide))
                match = _FLAG.fullmatch(v) if isinstance(v, str) else None
                flag = match["key"] if match else None
            return items
        if obj is None or isinstance(obj, bool):
            return obj
        if secret:
            if isinstance(obj, str) and (not obj or PLACEHOLDER.fullmatch(obj)):
                return obj
            self.found["secret_field"] += 1
            return self.placeholder("SECRET", str(obj))
        if isinstance(obj, str):
            return self.redact(obj)
        return obj

    def _substitute(self, det: Detector, text: str) -> str:
        # Like Pattern.sub, except that a match the detector rejects consumes only its first
        # character: "example.com=Authorization: Bearer x" must still find the header inside
        # the rejected "example.com=…" pair, or a second pass would find it and break
        # idempotence.
        parts: list[str] = []
        pos = last = 0
        while (m := det.pattern.search(text, pos)) is not None:
            if det.accept is not None and not det.accept(m):
                pos = m.start() + 1
                continue
            group = value_group(m)
            start, end = m.span(group)
            self.found[det.name] += 1
            parts += (text[last:start], self.placeholder(det.kind, m[group]))
            last = end
            pos = max(m.end(), m.start() + 1)
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)
