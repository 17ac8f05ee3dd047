"""A stand-in for the Python runtime's ``LambdaContext`` with a deadline tests control.

>>> ctx = FakeContext(timeout=10)
>>> 9_900 < ctx.get_remaining_time_in_millis() <= 10_000
True
>>> ctx.advance(9.5)           # half a second left
>>> ctx.get_remaining_time_in_millis() <= 500
True
>>> ctx.expire()
>>> ctx.get_remaining_time_in_millis()
0

By default the deadline is on the wall clock, so the remaining time also shrinks
as the test really runs. Pass ``clock=`` (a function returning epoch seconds) to
freeze or drive time yourself.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lambent._context import LambdaContext
from lambent._deadline import WALL_CLOCK_CONTEXTS
from lambent.testing.events._common import ACCOUNT, REGION


@dataclass(frozen=True, slots=True)
class CognitoIdentity:
    """``context.identity``: set only for calls from the AWS Mobile SDK."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass(frozen=True, slots=True)
class Client:
    """``context.client_context.client``."""

    installation_id: str | None = None
    app_title: str | None = None
    app_version_name: str | None = None
    app_version_code: str | None = None
    app_package_name: str | None = None


@dataclass(frozen=True, slots=True)
class ClientContext:
    """``context.client_context``: sent by mobile clients on synchronous invokes."""

    client: Client | None = None
    custom: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, Any] = field(default_factory=dict)


class FakeContext(LambdaContext):
    """Every attribute of the runtime's ``LambdaContext``, and a controllable deadline.

    It declares the :class:`~lambent.LambdaContext` attributes by implementing that
    Protocol, and adds the runtime's others (``identity``, ``client_context``,
    ``tenant_id``). The deadline is ``deadline_ms`` (epoch milliseconds) when given, else
    ``timeout`` seconds from construction. :meth:`advance` spends time,
    :meth:`set_remaining` and :meth:`expire` set what is left.
    """

    identity: CognitoIdentity
    client_context: ClientContext | None
    tenant_id: str | None

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        deadline_ms: int | None = None,
        aws_request_id: str | None = None,
        function_name: str = "test-function",
        function_version: str = "$LATEST",
        invoked_function_arn: str | None = None,
        memory_limit_in_mb: str | int = "128",
        log_group_name: str | None = None,
        log_stream_name: str | None = None,
        identity: CognitoIdentity | None = None,
        client_context: ClientContext | None = None,
        tenant_id: str | None = None,
        region: str = REGION,
        account: str = ACCOUNT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._deadline_ms: int = (
            deadline_ms if deadline_ms is not None else self._now_ms() + round(timeout * 1000)
        )
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn or (
            f"arn:aws:lambda:{region}:{account}:function:{function_name}"
        )
        self.memory_limit_in_mb = memory_limit_in_mb
        self.log_group_name = log_group_name or f"/aws/lambda/{function_name}"
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        self.log_stream_name = log_stream_name or f"{day}/[{function_version}]{uuid.uuid4().hex}"
        self.identity = identity or CognitoIdentity()
        self.client_context = client_context
        self.tenant_id = tenant_id

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    @property
    def deadline_ms(self) -> int:
        """The deadline in epoch milliseconds (what the Runtime API sends)."""
        return self._deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline, never negative."""
        return max(0, self._deadline_ms - self._now_ms())

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass as far as the deadline is concerned (without sleeping)."""
        self._deadline_ms -= round(seconds * 1000)

    def set_remaining(self, seconds: float) -> None:
        """Make exactly ``seconds`` remain from now."""
        self._deadline_ms = self._now_ms() + round(seconds * 1000)

    def set_deadline(self, deadline_ms: int) -> None:
        """Move the deadline to ``deadline_ms`` (epoch milliseconds)."""
        self._deadline_ms = deadline_ms

    def expire(self) -> None:
        """Use up all the time left."""
        self._deadline_ms = min(self._deadline_ms, self._now_ms())

    def log(self, message: str) -> None:
        """Write to the function's log, as ``LambdaContext.log`` does (stdout here)."""
        sys.stdout.write(message)

    def __repr__(self) -> str:
        return (
            f"FakeContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r}, "
            f"remaining_ms={self.get_remaining_time_in_millis()})"
        )


WALL_CLOCK_CONTEXTS.add(FakeContext)
