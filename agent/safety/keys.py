"""Decide whether a field name (env var, JSON key, header, logfmt key) names a secret.

Names are split into words (``dbPassword`` → ``db password``, ``X-Api-Key`` → ``x api key``).
A name is secret when its joined words contain a strong secret word (``password``, ``secret``,
``apikey``, ``accesstoken``…) or one of its words is a short secret word (``token``, ``auth``,
``session``, ``cookie``, ``dsn``, ``pwd``…). It is *not* secret when any word describes metadata
about the secret rather than the secret itself (``tokens_total``, ``token_ttl``,
``password_file``, ``secretName``, ``auth_enabled``): metric names, paths and Kubernetes
references are what SREs need to read, and hiding them would only blind the investigation.

``secrecy`` tells the two apart: a *strong* name (``password``, ``apiKey``) makes any value a
secret; a *weak* one (a short word such as ``auth`` or ``token`` standing alone) is also the
name of many ordinary things (``auth-service``, ``token-bucket``), so free text redacts its value
only when the value itself looks like a credential (see ``detectors``).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Joined-word substrings that always mean "this value is a credential".
_STRONG = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "credential",
    "apikey",
    "privatekey",
    "accesskey",
    "secretkey",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "sessiontoken",
    "securitytoken",
    "idtoken",
    "bearertoken",
    "apitoken",
    "clientsecret",
)
# Whole words that name a credential only when they stand alone ("auth", not "author").
_WORDS = frozenset(
    {
        "pass",
        "pwd",
        "pw",
        "token",
        "auth",
        "authorization",
        "creds",
        "cred",
        "session",
        "sessionid",
        "sid",
        "cookie",
        "cookies",
        "dsn",
        "jwt",
        "signature",
        "sig",
        "privkey",
        "pin",
        "otp",
    }
)
# Words that describe a secret's metadata; their values are safe and useful.
_METADATA = frozenset(
    {
        "total",
        "count",
        "counts",
        "size",
        "bytes",
        "length",
        "len",
        "duration",
        "seconds",
        "ms",
        "ttl",
        "timeout",
        "expiry",
        "expires",
        "expiration",
        "age",
        "type",
        "kind",
        "method",
        "mode",
        "scheme",
        "enabled",
        "disabled",
        "required",
        "provider",
        "name",
        "names",
        "ref",
        "path",
        "file",
        "dir",
        "url",
        "uri",
        "endpoint",
        "version",
        "max",
        "min",
        "limit",
        "rate",
        "status",
        "result",
        "error",
        "errors",
        "failures",
        "attempts",
        "retries",
    }
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


NOT_SECRET, WEAK, STRONG = 0, 1, 2


@lru_cache(maxsize=4096)
def secrecy(name: str) -> int:
    """Return how surely ``name`` names a credential: NOT_SECRET, WEAK or STRONG.

    Args:
        name: A field name such as ``DB_PASSWORD``, ``X-Auth-Token``, ``auth-service``.

    Returns:
        STRONG when the joined words contain a credential word (``password``, ``apikey``);
        WEAK when only a short word such as ``token`` or ``auth`` stands alone in it;
        NOT_SECRET otherwise, and for metadata about a credential (``token_ttl``).
    """
    words = [w for w in _SPLIT.split(_CAMEL.sub("_", name).lower()) if w]
    if not words or any(w in _METADATA for w in words):
        return NOT_SECRET
    joined = "".join(words)
    if any(s in joined for s in _STRONG):
        return STRONG
    return WEAK if any(w in _WORDS for w in words) else NOT_SECRET


def looks_secret_key(name: str) -> bool:
    """Return True when ``name`` looks like the name of a field holding a credential.

    Args:
        name: A field name such as ``DB_PASSWORD``, ``apiKey``, ``X-Auth-Token`` or
            ``tokens_total``.

    Returns:
        True for credential names; False for ordinary names and for metadata about a
        credential (counts, durations, file paths, names of Kubernetes Secrets).
    """
    return secrecy(name) != NOT_SECRET
