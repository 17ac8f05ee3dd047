"""One HTTP ``PUT`` of a body to a pre-signed URL, as a CloudFormation custom resource's
response is sent (LAMBDA.md §8.3): an empty ``Content-Type`` (the URL's signature covers
it), an explicit ``Content-Length`` (S3 refuses chunked uploads), retried on connection
errors and 5xx/408/429 answers within the time left."""

from __future__ import annotations

import http.client
import time
import urllib.parse
from typing import Any, Final

from lambent._errors import LambentError

__all__ = ["ATTEMPTS", "ResponseNotDelivered", "put_response", "time_left"]

#: delivery attempts of the PUT
ATTEMPTS: Final = 5


class ResponseNotDelivered(LambentError):
    """The response could not be PUT to the pre-signed URL."""


def _transient(status: int) -> bool:
    return status >= 500 or status in (408, 429)


def _checked_url(url: str) -> urllib.parse.SplitResult:
    """``url`` split, when it is an http(s) URL a request line can carry (pre-signed URLs
    are ASCII without spaces); else :class:`ResponseNotDelivered`, at once (no retry)."""
    try:
        parts = urllib.parse.urlsplit(url)
        usable = (
            url.isascii()
            and all(32 < ord(ch) < 127 for ch in url)
            and parts.scheme in ("http", "https")
            and bool(parts.hostname)
        )
        parts.port  # noqa: B018  (a ValueError for a port that is not a number)
    except ValueError:
        usable = False
    if not usable:
        raise ResponseNotDelivered(f"the ResponseURL is not a usable http(s) URL: {url[:200]!r}")
    return parts


def put_response(url: str, body: bytes, *, time_left: float, attempts: int = ATTEMPTS) -> int:
    """PUT ``body`` to the pre-signed ``url`` (empty ``Content-Type``, explicit
    ``Content-Length``), retrying connection errors and 5xx/408/429 answers with backoff
    within ``time_left`` seconds; the final HTTP status, or :class:`ResponseNotDelivered`."""
    parts = _checked_url(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    stop_at = time.monotonic() + time_left
    problem = "no attempt fitted in the time left"
    for attempt in range(attempts):
        left = stop_at - time.monotonic()
        if left <= 0:
            break
        conn = connection(parts.netloc, timeout=min(10.0, left))
        try:
            conn.request(
                "PUT",
                target,
                body=body,
                headers={"content-type": "", "content-length": str(len(body))},
            )
            reply = conn.getresponse()
            reply.read()
            if not _transient(reply.status):
                if reply.status >= 400:
                    raise ResponseNotDelivered(f"the response URL answered HTTP {reply.status}")
                return reply.status
            problem = f"HTTP {reply.status}"
        except (OSError, http.client.HTTPException) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()
        pause = min(0.2 * 2**attempt, stop_at - time.monotonic())
        if attempt + 1 < attempts and pause > 0:
            time.sleep(pause)
    raise ResponseNotDelivered(f"the response could not be PUT to the response URL ({problem})")


def time_left(context: Any) -> float:
    """The seconds a PUT may take: the invocation's remaining time less a tenth of a
    second (30 s without a Lambda context)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return 30.0
    return max(0.0, float(remaining()) / 1000.0 - 0.1)
