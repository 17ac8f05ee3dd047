"""The one owner of running coroutines: loop-free stepping, and the event loop that lives
across warm invocations.

An app whose handlers and hooks are all plain ``def`` (none threaded) and that has no
lifespan never awaits anything that suspends: :func:`run_loop_free` steps its invocation
coroutine to the end without a loop, as a plain function would run.

One loop is created on first use and each invocation runs on it with
``run_until_complete``, in one context shared by all invocations (contextvars the
lifespan sets persist, as with ``asyncio.Runner``). Before each invocation, what the
caller has bound since the previous one (``structlog.contextvars.bind_contextvars`` in
a wrapper around ``app.handler``) is set in that context too, so async handlers see the
caller's values of their invocation, as sync ones do; a value the caller has not
changed leaves the one the app set in place. (A variable the caller resets to unset
keeps its last value there: a context has no way to unset one without its token.) (``asyncio.Runner.run`` would also work, but it installs and
restores a SIGINT handler and names a task on every call: about 40 µs per
invocation, more than a whole HTTP request costs otherwise.)
"""

from __future__ import annotations

import contextvars
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from lambent._errors import ConfigurationError

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")

#: a context's "no value" (:meth:`LoopOwner.run`)
_UNSET: Any = object()


def run_loop_free(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends, without an event loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coro.close()
    raise RuntimeError("lambent: a loop-free invocation suspended; this is a bug in lambent")


class LoopOwner:
    """Runs coroutines on one event loop, created on first use and kept until closed."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        #: one context for every invocation, so contextvars set by the lifespan persist
        self._context = contextvars.copy_context()
        #: the caller's context at the previous invocation (what it has bound since is new)
        self._caller = self._context.copy()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        import asyncio  # here: apps that never need a loop never import it

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
        context, before = self._context, self._caller
        caller = self._caller = contextvars.copy_context()  # O(1): contexts are immutable maps
        if caller != before:  # O(1) when the caller bound nothing since: the maps are shared
            for var, value in caller.items():
                if before.get(var, _UNSET) is not value:
                    context.run(var.set, value)
        return loop.run_until_complete(loop.create_task(coro, context=context))

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
