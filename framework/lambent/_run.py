"""Running one unit of work: the one owner of how a handler runs and of the deadline
around it.

A *unit* is what one handler call covers: one record of a per-record route, the records
of a whole-batch or tumbling-window route (one call for all of them), or one single
event (an HTTP request, a WebSocket message, an authorizer or Lambda@Edge event, a
direct invocation). Its :class:`Strategy` says how the call runs:

* ``INLINE``: a plain ``def``, called on the running thread, as a loop would call it;
  it cannot be interrupted, so the deadline only keeps it from starting;
* ``AWAIT``: an ``async def``, awaited; cancelled when the deadline fires;
* ``THREAD``: a plain ``def`` of a ``threaded=True`` route, run in a worker thread;
  abandoned when the deadline fires (the thread ends on its own, its result unused).

:func:`invoke` runs a unit inside the caller's cancel scope (a batch's one deadline
scope covers all of its per-record units, each route's call made a coroutine function
once, :func:`coroutine_of`); :func:`invoke_within` runs one unit under a
deadline of its own and answers a :class:`Cut` when the deadline came first.
:func:`is_cancellation` tells the cancellation of the running task (lambent's deadline,
an outer scope) apart from a handler's own ``BaseException``, which is that unit's
failure. The run loop (:mod:`lambent._dispatch`), the web router (through
:mod:`lambent.http._invoke`) and every single event go through these.
"""

from __future__ import annotations

import enum
import inspect
import sys
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["Cut", "Strategy", "coroutine_of", "invoke", "invoke_within", "is_cancellation"]


class Strategy(enum.Enum):
    """How a unit's call runs."""

    INLINE = "inline"
    AWAIT = "await"
    THREAD = "thread"

    @staticmethod
    def of(is_async: bool, threaded: bool) -> Strategy:
        """An ``async def`` is awaited (``threaded`` says nothing to it); a plain one runs
        inline, or in a worker thread when ``threaded``."""
        if is_async:
            return Strategy.AWAIT
        return Strategy.THREAD if threaded else Strategy.INLINE


class Cut(enum.Enum):
    """What :func:`invoke_within` answers when the deadline came first."""

    NOT_STARTED = "no time was left before the deadline: the unit did not start"
    CANCELLED = "the unit started and was cancelled (or abandoned) at the deadline"


def coroutine_of(strategy: Strategy, fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``fn`` as a coroutine function that runs it by ``strategy``, inside the caller's
    cancel scope (made once per route and batch: an ``async def`` is itself). An inline
    call's result is returned as it is."""
    if strategy is Strategy.AWAIT:
        return fn
    if strategy is Strategy.THREAD:

        async def threaded(*args: Any) -> Any:
            import anyio.to_thread  # first use: apps without threaded routes never import anyio

            return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)

        return threaded

    async def inline(*args: Any) -> Any:
        return fn(*args)

    return inline


async def invoke(strategy: Strategy, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` run by ``strategy``, inside the caller's cancel scope
    (:func:`coroutine_of`)."""
    return await coroutine_of(strategy, fn)(*args)


async def invoke_within(
    strategy: Strategy, fn: Callable[..., Any], *args: Any, seconds: float | None
) -> Any:
    """``fn(*args)`` run by ``strategy`` within ``seconds`` (``None``: unbounded): its
    result, or :attr:`Cut.NOT_STARTED` when no time was left (nothing ran), or
    :attr:`Cut.CANCELLED` when an awaited call was cancelled or a threaded one abandoned
    at the deadline. An inline call is not interrupted (no cancel scope is paid for); an
    awaitable it returns (an object whose ``__call__`` is ``async``) is awaited."""
    if seconds is not None and seconds <= 0:
        return Cut.NOT_STARTED
    if strategy is Strategy.INLINE:
        value = fn(*args)
        return await value if inspect.isawaitable(value) else value
    if seconds is None:
        return await invoke(strategy, fn, *args)
    import anyio  # first use: apps whose handlers are all plain never import it

    result: Any = None
    with anyio.move_on_after(seconds) as scope:
        result = await invoke(strategy, fn, *args)
    return Cut.CANCELLED if scope.cancelled_caught else result


def is_cancellation(exc: BaseException) -> bool:
    """Whether ``exc`` is the cancellation of the running task (lambent's deadline, an
    outer cancel scope, a closing coroutine), which must propagate. Anything else a
    handler raises, ``BaseException``s included (``KeyboardInterrupt``, ``SystemExit``, a
    ``CancelledError`` it raised by itself), is that handler's failure."""
    if isinstance(exc, GeneratorExit):
        return True
    asyncio = sys.modules.get("asyncio")  # lambent runs on asyncio; not loaded: no loop
    if asyncio is None or not isinstance(exc, asyncio.CancelledError):
        return False
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no loop: nothing can have cancelled a plain call
        return False
    return task is not None and task.cancelling() > 0
