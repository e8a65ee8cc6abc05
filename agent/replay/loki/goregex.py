"""Compile Go RE2 regular expressions (as written in LogQL) with Python's ``re``."""

from __future__ import annotations

import re

from agent.replay.loki.errors import QueryError

# RE2 spells named groups both (?P<name>...) and (?<name>...); Python only knows the first.
# The lookbehind forms "(?<=" and "(?<!" are not RE2 syntax, so they are left to fail.
_NAMED_GROUP = re.compile(r"(?<!\\)\(\?<(?=[A-Za-z_])")


def compile_go_regex(pattern: str, *, anchored: bool) -> re.Pattern[str]:
    """Compile ``pattern``; ``anchored`` wraps it as Prometheus label matchers do.

    Raises:
        QueryError: the pattern is not a valid regular expression.
    """
    translated = _NAMED_GROUP.sub("(?P<", pattern).replace(r"\z", r"\Z")
    if anchored:
        # \Z, not $: Python's $ also matches before a trailing newline, Go's does not.
        translated = f"^(?:{translated})\\Z"
    try:
        return re.compile(translated, re.DOTALL if anchored else 0)
    except re.error as exc:
        raise QueryError(f"error parsing regexp: {exc}: `{pattern}`") from exc
