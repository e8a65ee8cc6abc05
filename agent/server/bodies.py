"""Request bodies, read raw with a size cap by the route itself.

Signatures cover the exact bytes, and an unauthenticated client must not make the server buffer
or parse anything first; so no route takes a parsed body from the framework.
"""

from __future__ import annotations

from starlette.requests import Request

from .payloads import BadPayload


async def read_body(request: Request, limit: int, what: str = "body") -> bytes:
    """The request's body, read with a cap before anything parses it.

    A client can claim any Content-Length, so the bytes received are counted too.

    Raises:
        BadPayload: the body (``what``, in the message) is larger than ``limit`` bytes (413).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadPayload(f"{what} of {declared} bytes exceeds the limit of {limit} bytes", 413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadPayload(f"{what} exceeds the limit of {limit} bytes", 413)
        chunks.append(chunk)
    return b"".join(chunks)
