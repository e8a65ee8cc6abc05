"""One JSON request to a notification API, with its errors mapped to ``DeliveryFailed``.

Network errors, 429 and 5xx are retryable (``Retry-After`` honoured, in seconds or as an
HTTP date); any other 4xx is permanent: retrying a bad token or a missing channel only spams
the sink. Error messages name the sink, method, path and status, never a header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from agent.errors import DeliveryFailed

_MAX_ERROR_CHARS = 200


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def check(sink: str, response: httpx2.Response) -> httpx2.Response:
    """``response`` if it succeeded.

    Raises:
        DeliveryFailed: retryable on 429 and 5xx, permanent on any other error status.
    """
    if response.status_code < 400:
        return response
    text = " ".join(response.text.split())[:_MAX_ERROR_CHARS]
    request = response.request
    message = f"{sink}: {request.method} {request.url.path} answered HTTP {response.status_code}"
    retryable = response.status_code == 429 or response.status_code >= 500
    raise DeliveryFailed(
        f"{message}: {text}" if text else message,
        retryable=retryable,
        retry_after=retry_after(response.headers.get("retry-after")) if retryable else None,
    )


def send(
    sink: str,
    client: httpx2.Client,
    method: str,
    url: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx2.Response:
    """Send one request and ``check`` its answer.

    Raises:
        DeliveryFailed: the sink could not be reached (retryable) or refused.
    """
    try:
        response = client.request(method, url, json=json, content=content, headers=headers)
    except httpx2.RequestError as exc:
        raise DeliveryFailed(
            f"{sink}: {method} {httpx2.URL(url).path} failed: {type(exc).__name__}",
            retryable=True,
        ) from None
    return check(sink, response)


def body(sink: str, response: httpx2.Response) -> dict[str, Any]:
    """The JSON object a sink answered.

    Raises:
        DeliveryFailed: the answer is not a JSON object (permanent: the API is not what we think).
    """
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise DeliveryFailed(f"{sink}: the answer is not a JSON object", retryable=False)
    return data
