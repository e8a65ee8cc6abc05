"""The secret and PII detectors the redactor applies, in order.

Each detector is a regex whose named group ``value`` is the part to hide; the rest of the match
(a key, a URL scheme and user, an auth scheme) stays so the model keeps the context. Detectors run
only when one of their cheap ``triggers`` occurs in the text, which keeps the common case (a log
line with nothing to hide) fast. Order matters: specific token shapes run before the generic
``key=value`` rule so the audit counter names the real kind, and PII runs last.

Value character classes exclude ``‹`` and ``›`` so a placeholder is never matched again; that is
what makes redaction idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.safety.keys import STRONG, WEAK, secrecy

PLACEHOLDER = re.compile(r"‹[A-Z_]+:[0-9a-f]{6}›")


@dataclass(frozen=True, slots=True)
class Detector:
    """One kind of secret or PII and how to find it."""

    name: str  # audit label counted in Redactor.found, e.g. "github_token"
    kind: str  # placeholder kind shown to the model: SECRET, EMAIL, CARD or PHONE
    pattern: re.Pattern[str]  # group "value" is replaced, the rest of the match is kept
    triggers: tuple[str, ...]  # one must occur for the detector to run; () means always run
    lower_triggers: bool = False  # compare triggers against the lower-cased text
    accept: Callable[[re.Match[str]], bool] | None = None  # rejects false positives


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_brand_ok(digits: str) -> bool:
    """Issuer prefix and length of the major networks; rejects timestamps and counters."""
    n = len(digits)
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if digits.startswith("6011") or two == 65 or 644 <= int(digits[:3]) <= 649:
        return 16 <= n <= 19
    if 3528 <= four <= 3589 or two == 62:
        return 16 <= n <= 19
    if two in (36, 38) or 300 <= int(digits[:3]) <= 305:
        return 14 <= n <= 19
    return False


_CARD_GROUPS = re.compile(
    r"\d{4}(?:([ -])\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,4})?|([ -])\d{6}\2\d{4,5})"
)


def value_group(m: re.Match[str]) -> str:
    """Name of the group holding the value: ``value``, or ``value2`` in a second alternative."""
    return "value" if m.start("value") >= 0 else "value2"


def _accept_card(m: re.Match[str]) -> bool:
    raw = m["value"]
    digits = raw.replace(" ", "").replace("-", "")
    if not 13 <= len(digits) <= 19:
        return False
    # Separated numbers must be grouped like printed cards (4-4-4-4, 4-6-5); anything else
    # with spaces is more likely a run of separate numbers in a log line.
    if len(digits) != len(raw) and not _CARD_GROUPS.fullmatch(raw):
        return False
    return _card_brand_ok(digits) and _luhn_ok(digits)


def _accept_phone(m: re.Match[str]) -> bool:
    value: str = m["value"]
    n = sum(ch.isdigit() for ch in value)
    return 8 <= n <= 15 if value.startswith("+") else n == 10


# Status words seen after keys like "auth:"; no credential is spelled like these.
_NOT_SECRET_VALUES = frozenset(
    {
        "null",
        "none",
        "nil",
        "true",
        "false",
        "redacted",
        "[redacted]",
        "<redacted>",
        "***",
        "ok",
        "yes",
        "no",
        "on",
        "off",
        "success",
        "failed",
        "denied",
        "required",
        "enabled",
        "disabled",
        "empty",
        "missing",
        "invalid",
        "expired",
        "valid",
    }
)


# A value this long with letters and digits is opaque enough to be a token or session id.
_MIN_CREDENTIAL_CHARS = 8
# Letters-only values this long are opaque too (base64 or random words without digits).
_MIN_LETTERS_ONLY_CHARS = 20
_SHORT_CODE_KEY = re.compile(r"(?i)(?:^|[^a-z])(?:pin|otp)(?:$|[^a-z])")


def credential_shaped(value: str, key: str) -> bool:
    """Whether ``value`` looks like a credential rather than a count, word or name.

    Used for keys that only *might* name a secret (``auth``, ``token``): ``auth-service: 4
    calls`` and ``token: expired`` are data, ``token: 9f8a7c6b5d4e`` is not. A PIN or one-time
    code is short and numeric, so those keys accept 4–10 digits.
    """
    if _SHORT_CODE_KEY.search(key) and value.isdigit():
        return 4 <= len(value) <= 10
    if any(ch.isspace() for ch in value):
        return False
    has_digit = any(ch.isdigit() for ch in value)
    has_alpha = any(ch.isalpha() for ch in value)
    if has_digit and has_alpha:
        return len(value) >= _MIN_CREDENTIAL_CHARS
    return has_alpha and len(value) >= _MIN_LETTERS_ONLY_CHARS


def secret_value(key: str, value: str) -> bool:
    """Whether ``value``, written next to ``key`` in free text, is a secret to hide."""
    if not value or value.lower() in _NOT_SECRET_VALUES or PLACEHOLDER.fullmatch(value):
        return False
    # URLs keep their host and path; the url_password detector already hid the password.
    if "://" in value:
        return False
    level = secrecy(key)
    return level == STRONG or (level == WEAK and credential_shaped(value, key))


def _accept_assignment(m: re.Match[str]) -> bool:
    return secret_value(m["key"], m[value_group(m)])


_V = r"[^\s‹›]"  # any value character except whitespace and placeholder brackets
# A key may be a command-line flag (``--db-password=…``); the dashes stay outside the key.
_KEY = r"(?<![\w.‹-])-{0,2}(?P<key>[A-Za-z_][\w.-]*)"
_SCHEMES = r"(?:(?i:bearer|basic|token|digest|negotiate)\s+)?+"
# Lower-case pieces of every secret key name; a key detector runs only when one occurs.
_KEY_TRIGGERS = (
    "pass",
    "pwd",
    "pw",
    "secret",
    "token",
    "cred",
    "key",
    "auth",
    "session",
    "sid",
    "cookie",
    "dsn",
    "jwt",
    "sig",
    "pin",
    "otp",
)

DETECTORS: tuple[Detector, ...] = (
    Detector(
        "private_key",
        "SECRET",
        # A truncated block (no END line, e.g. after a byte cap) still hides the key body.
        re.compile(
            r"(?P<value>-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----"
            r"(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*))",
            re.S,
        ),
        ("-----BEGIN",),
    ),
    Detector(
        "aws_access_key",
        "SECRET",
        re.compile(
            r"(?<![A-Za-z0-9])(?P<value>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Za-z0-9])"
        ),
        ("AKIA", "ASIA", "ABIA", "ACCA"),
    ),
    Detector(
        "github_token",
        "SECRET",
        re.compile(
            r"(?<![A-Za-z0-9])(?P<value>gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_\w{22,255})"
        ),
        ("gh", "github_pat_"),
    ),
    Detector(
        "slack_webhook",
        "SECRET",
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<value>[\w/-]+)"),
        ("hooks.slack.com",),
    ),
    Detector(
        "slack_token",
        "SECRET",
        re.compile(r"(?<![A-Za-z0-9])(?P<value>xox[abeoprs]-[A-Za-z0-9-]{10,}|xapp-[\w-]{10,})"),
        ("xox", "xapp-"),
    ),
    Detector(
        "anthropic_key",
        "SECRET",
        re.compile(r"(?<![A-Za-z0-9])(?P<value>sk-ant-[\w-]{20,})"),
        ("sk-ant-",),
    ),
    Detector(
        "openai_key",
        "SECRET",
        re.compile(r"(?<![A-Za-z0-9])(?P<value>sk-(?:proj-|svcacct-|admin-)?[\w-]{20,})"),
        ("sk-",),
    ),
    Detector(
        "stripe_key",
        "SECRET",
        re.compile(r"(?<![A-Za-z0-9])(?P<value>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})"),
        ("_live_", "_test_"),
    ),
    Detector(
        "google_api_key",
        "SECRET",
        re.compile(r"(?<![A-Za-z0-9])(?P<value>AIza[\w-]{35})(?![\w-])"),
        ("AIza",),
    ),
    Detector(
        "jwt",
        "SECRET",
        re.compile(r"(?<![\w-])(?P<value>eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*)"),
        ("eyJ",),
    ),
    Detector(
        "auth_header",
        "SECRET",
        # With an Authorization header any scheme counts; a bare "Bearer" needs a token-shaped
        # word so prose such as "bearer authentication failed" stays readable.
        re.compile(
            r"(?i:authorization)[\"']?\s*[:=]\s*[\"']?(?i:bearer|basic|token|digest|negotiate)\s+"
            r"(?P<value>[\w.~+/=-]{6,})"
            r"|(?<![\w-])[Bb]earer\s+(?P<value2>[\w.~+/-]{16,}=*)"
        ),
        ("uthorization", "earer"),
    ),
    Detector(
        "url_password",
        "SECRET",
        # Greedy password up to the last "@" before the path, so passwords may contain "@".
        re.compile(r"[A-Za-z][\w+.-]*://[^\s:/?#@‹›\"']*:(?P<value>[^\s/?#‹›\"']+)@"),
        ("://",),
    ),
    Detector(
        "secret_assignment",
        "SECRET",
        re.compile(
            _KEY + r"(?:\\?[\"'])?\s*[=:]\s*(?:"
            r"(?P<q>\\?[\"'])(?P<value>(?:[^\"'\\\n‹›]|\\[^\"'\n])*)(?P=q)"
            r"|" + _SCHEMES + r"(?P<value2>[^\s,;&\"'‹›<>(){}\[\]]+)"
            r")"
        ),
        _KEY_TRIGGERS,
        lower_triggers=True,
        accept=_accept_assignment,
    ),
    Detector(
        "secret_flag",
        "SECRET",
        # A flag and its value as separate words: "--db-password hunter2".
        re.compile(r"(?<![\w.‹-])--(?P<key>[A-Za-z][\w.-]*)[ \t]+(?P<value>[^\s\-‹›][^\s‹›]*)"),
        _KEY_TRIGGERS,
        lower_triggers=True,
        accept=_accept_assignment,
    ),
    Detector(
        "email",
        "EMAIL",
        re.compile(
            r"(?<![\w.%+-])(?P<value>[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![\w-])"
        ),
        ("@",),
    ),
    Detector(
        "card",
        "CARD",
        # The boundary lookbehind sits after the first character so the regex engine can skip
        # non-candidate positions by its first-character set: about twice as fast.
        re.compile(r"(?P<value>[2-6](?<![\w.:/+-].)\d{3}(?:[ -]?\d){9,15})(?![\w.:/+-])"),
        (),
        accept=_accept_card,
    ),
    Detector(
        "phone",
        "PHONE",
        re.compile(
            r"(?P<value>[+(2-9](?<![\w+.:/-].)(?:"
            r"(?<=\+)[1-9]\d{0,2}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,3}"  # E.164
            r"|(?<=\()[2-9]\d{2}\) ?\d{3}[-. ]\d{4}"  # (415) 555-2671
            r"|(?<=[2-9])\d{2}[-.]\d{3}[-.]\d{4}"  # 415-555-2671
            r"))(?![\w+.:/-])"
        ),
        (),
        accept=_accept_phone,
    ),
)
