"""Retrying AWS calls through endpoint outages and throttling.

Capped exponential backoff with full jitter: attempt ``n`` sleeps a random time in
``[0, min(cap, base * 2**n)]``. One warning when an outage starts and one info line
when the endpoint answers again: a poller that waits out a ten-minute outage writes
two lines, not thousands. Anything else (an unknown queue, a missing permission, a
bad request) is not retried: it raises.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from lambent._logging import Logger

T = TypeVar("T")

#: error codes that mean "slow down" or "try again", never "you are wrong"
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "SlowDown",
        "KMSThrottlingException",
    }
)


def is_transient(exc: BaseException) -> bool:
    """An outage (no connection, a timeout, a 5xx) or throttling."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, HTTPClientError | BotoConnectionError | OSError | TimeoutError):
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in TRANSIENT_CODES or int(status or 0) >= 500
    try:
        import aiohttp
    except ImportError:  # pragma: no cover - aiobotocore brings aiohttp
        return False
    return isinstance(exc, aiohttp.ClientError)


class Retrier:
    """Calls that wait out outages of one endpoint; logs each outage once."""

    def __init__(
        self, what: str, log: Logger, *, base: float, cap: float, on_outage: Callable[[], None]
    ) -> None:
        self.what = what
        self.on_outage = on_outage
        self.log = log
        self.base = base
        self.cap = cap
        self.down_since: float | None = None
        self.outages = 0

    def delay(self, attempt: int) -> float:
        return random.uniform(0.0, min(self.cap, self.base * (2.0**attempt)))

    async def call(self, fn: Callable[..., Awaitable[T]], /, **kwargs: Any) -> T:
        attempt = 0
        while True:
            try:
                result = await fn(**kwargs)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if self.down_since is None:
                    self.down_since = time.monotonic()
                    self.outages += 1
                    self.on_outage()
                    self.log.warning(
                        "endpoint unavailable or throttling; retrying with backoff",
                        source=self.what,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                await anyio.sleep(self.delay(attempt))
                attempt += 1
                continue
            if self.down_since is not None:
                self.log.info(
                    "endpoint back",
                    source=self.what,
                    down_seconds=round(time.monotonic() - self.down_since, 1),
                )
                self.down_since = None
            return result
