"""The errors the Loki replay server turns into HTTP 400 answers.

They never leave this package: ``app`` catches them at the HTTP edge and writes their
message as a plain-text body, as Loki does. Keeping them local (rather than in
``agent.errors``) is deliberate: no other part of the agent can raise or see them.

    QueryError          a request Loki would reject with 400 (bad parameter, limit, ...)
    └── LogQLParseError the query text is not valid LogQL, located by line and column
"""

from __future__ import annotations


class QueryError(Exception):
    """A request Loki would reject with HTTP 400; the message is the response body."""


class LogQLParseError(QueryError):
    """The query text is not valid LogQL (or uses a construct this server does not support)."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        self.line = line
        self.col = col
        # Loki's ParseError.Error(): position-less errors read "parse error : <msg>".
        where = f" at line {line}, col {col}" if line or col else " "
        super().__init__(f"parse error{where}: {message}")


def unsupported(construct: str, line: int = 0, col: int = 0) -> LogQLParseError:
    """Build the error for valid LogQL that this replay server does not implement."""
    return LogQLParseError(f"unsupported LogQL construct: {construct}", line, col)
