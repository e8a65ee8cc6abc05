"""Make telemetry-derived text safe to show: no live links, images, control codes or markup.

Every string in a report may come from an attacker who can write a log line, an annotation or a
termination message (and the model may repeat it). Before a renderer shows it:

* URLs to hosts outside the allowlist are defanged (``http://evil.example`` →
  ``hxxp://evil[.]example``), so nothing is clickable and nothing unfurls;
* Markdown and HTML images are removed, since fetching one leaks data in its URL;
* control characters (ANSI escapes, bidi overrides) are dropped and, for single-line fields,
  CR/LF runs collapse to one space so a value cannot forge extra report lines (CWE-117);
* for Markdown, characters that start markup are escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)|<img\b[^>]*>?", re.IGNORECASE)
_URL = re.compile(r"\b([a-z][a-z0-9+.-]{0,15})://([^\s/?#<>\"'`\\()\[\]{}|]+)", re.IGNORECASE)
_BARE_WWW = re.compile(r"\bwww\.", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029\t\v\f]+")
# C0/C1 controls (ESC starts terminal escape sequences) and bidi/zero-width format characters
# that can make text read differently from what it is.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_DEFANGED_SCHEMES = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}
IMAGE_REMOVED = "[image removed]"


def _host_allowed(host: str, allowed_domains: frozenset[str]) -> bool:
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in allowed_domains)


def defang(text: str, allowed_domains: Iterable[str] = ()) -> str:
    """Remove images and defang every URL whose host is not in ``allowed_domains``.

    A host is allowed when it equals an allowed domain or is a subdomain of one.
    """
    allowed = frozenset(d.lower().strip(".") for d in allowed_domains if d)
    text = _IMAGE.sub(IMAGE_REMOVED, text)

    def _url(match: re.Match[str]) -> str:
        scheme, host = match.group(1), match.group(2)
        if _host_allowed(host, allowed):
            return match.group(0)
        safe_scheme = _DEFANGED_SCHEMES.get(scheme.lower(), scheme + "[:]")
        return f"{safe_scheme}://{host.replace('.', '[.]')}"

    text = _URL.sub(_url, text)
    return _BARE_WWW.sub("www[.]", text)


def strip_invisible(text: str) -> str:
    """Drop control and invisible formatting characters, keeping line breaks."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n"))


def one_line(text: str) -> str:
    """Collapse line breaks and tabs to single spaces and drop invisible characters."""
    return _INVISIBLE.sub("", _LINE_BREAKS.sub(" ", text))


def plain(text: str, allowed_domains: Iterable[str] = (), *, multiline: bool = False) -> str:
    """Text safe for a terminal or plain-text channel."""
    cleaned = strip_invisible(text) if multiline else one_line(text)
    return defang(cleaned, allowed_domains)


def markdown(text: str, allowed_domains: Iterable[str] = (), *, multiline: bool = False) -> str:
    """Text safe to embed in Markdown: defanged, markup escaped, HTML characters as entities."""
    cleaned = plain(text, allowed_domains, multiline=multiline)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", cleaned)
    escaped = "".join(_HTML.get(char, char) for char in escaped)
    if multiline:
        # A line break inside a list item or paragraph needs two trailing spaces to survive.
        escaped = "  \n".join(line.rstrip() for line in escaped.split("\n"))
    return escaped


def code_span(text: str, allowed_domains: Iterable[str] = ()) -> str:
    """Text as an inline Markdown code span: shown literally, so no markup applies."""
    cleaned = plain(text, allowed_domains)
    longest = max((len(run) for run in re.findall(r"`+", cleaned)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if cleaned.startswith("`") or cleaned.endswith("`") else ""
    return f"{fence}{pad}{cleaned}{pad}{fence}"
