"""The one place that owns the event loop: it lives across warm invocations.

One loop is created on first use and each invocation runs on it with
``run_until_complete``, in one context shared by all invocations (contextvars the
lifespan sets persist, as with ``asyncio.Runner``). (``asyncio.Runner.run`` would also work, but it installs and
restores a SIGINT handler and names a task on every call: about 40 µs per
invocation, more than a whole HTTP request costs otherwise.)
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar

from lambent._errors import ConfigurationError

T = TypeVar("T")


class LoopOwner:
    """Runs coroutines on one event loop, created on first use and kept until closed."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        #: one context for every invocation, so contextvars set by the lifespan persist
        self._context = contextvars.copy_context()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise ConfigurationError(
                "app.handler() was called from inside a running event loop; "
                "use `await app.dispatch(event, context)` in async code"
            )
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._loop = asyncio.new_event_loop()
        return loop.run_until_complete(loop.create_task(coro, context=self._context))

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
