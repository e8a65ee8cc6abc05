"""Errors raised while reading a TraceQL query; the HTTP layer turns each into a 400.

``TraceQLError`` derives from ``ValueError``, not from ``agent.errors``: it is the fake
server's answer to a bad request, never an error the agent itself raises.
"""

from __future__ import annotations


class TraceQLError(ValueError):
    """A TraceQL query was rejected."""


class TraceQLSyntaxError(TraceQLError):
    """The query is not valid TraceQL; the message gives line and column (1-based)."""

    def __init__(self, message: str, source: str, offset: int) -> None:
        before = source[:offset]
        line = before.count("\n") + 1
        col = offset - (before.rfind("\n") + 1) + 1
        self.line = line
        self.col = col
        super().__init__(f"invalid TraceQL query: parse error at line {line}, col {col}: {message}")


class UnsupportedConstruct(TraceQLError):
    """The query is valid TraceQL but uses a construct the replay server does not implement."""

    def __init__(self, construct: str) -> None:
        self.construct = construct
        super().__init__(f"unsupported TraceQL construct: {construct}")
