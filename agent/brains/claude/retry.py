"""Which Messages API failures to retry, and how long to wait: the SDK's rules, our deadline.

The SDK's own retries are off (``max_retries=0``) so that retries do not stack. We follow the
same rules the SDK does (``_base_client._should_retry``): an explicit ``x-should-retry`` header
wins; then 408 (request timeout), 409 (lock timeout), 429 and every 5xx are retried, as are
connection errors and timeouts. A 429 that reports a spend limit is not: waiting does not
raise a spend limit. ``retry-after-ms`` / ``retry-after`` are honoured.
"""

from __future__ import annotations

import anthropic

_RETRIED_STATUSES = frozenset({408, 409, 429})


def retryable(exc: BaseException) -> bool:
    """Whether a failed Messages API request is worth sending again."""
    if isinstance(exc, anthropic.APIConnectionError):  # includes APITimeoutError
        return True
    if not isinstance(exc, anthropic.APIStatusError):
        return False
    hint = exc.response.headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    if exc.status_code == 429 and "spend_limit" in (exc.error_code or ""):
        return False
    return exc.status_code in _RETRIED_STATUSES or exc.status_code >= 500


def retry_after(exc: BaseException | None) -> float | None:
    """The server's requested wait in seconds, if it sent one."""
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None
