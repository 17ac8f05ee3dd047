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
deadline of its own and answers a :class:`Cut` when the deadline came first;
:func:`start` is its inline branch without a coroutine, for a single event whose plain
handler's result is answered straight away (the web router's plain handlers).
:func:`is_cancellation` tells the cancellation of the running task (lambent's deadline,
an outer scope) apart from a handler's own ``BaseException``, which is that unit's
failure. The run loop (:mod:`lambent._dispatch`), the web router (through
:mod:`lambent.http._invoke`) and every single event go through these.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

__all__ = [
    "Cut",
    "Strategy",
    "coroutine_of",
    "invoke",
    "invoke_within",
    "is_cancellation",
    "start",
]


class _Named:
    """A named constant: its class's only instances are plain class attributes (read
    faster than an enum's members), shown as ``Class.NAME``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class Strategy(_Named):
    """How a unit's call runs: :attr:`INLINE`, :attr:`AWAIT` or :attr:`THREAD`."""

    __slots__ = ()
    INLINE: ClassVar[Strategy]
    AWAIT: ClassVar[Strategy]
    THREAD: ClassVar[Strategy]

    @staticmethod
    def of(is_async: bool, threaded: bool) -> Strategy:
        """An ``async def`` is awaited (``threaded`` says nothing to it); a plain one runs
        inline, or in a worker thread when ``threaded``."""
        if is_async:
            return _AWAIT
        return _THREAD if threaded else _INLINE


_INLINE = Strategy.INLINE = Strategy("INLINE")
_AWAIT = Strategy.AWAIT = Strategy("AWAIT")
_THREAD = Strategy.THREAD = Strategy("THREAD")


class Cut(_Named):
    """What :func:`invoke_within` answers when the deadline came first:
    :attr:`NOT_STARTED` (no time was left, nothing ran) or :attr:`CANCELLED` (an awaited
    call cancelled, a threaded one abandoned)."""

    __slots__ = ()
    NOT_STARTED: ClassVar[Cut]
    CANCELLED: ClassVar[Cut]


_NOT_STARTED = Cut.NOT_STARTED = Cut("NOT_STARTED")
_CANCELLED = Cut.CANCELLED = Cut("CANCELLED")


def coroutine_of(strategy: Strategy, fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``fn`` as a coroutine function that runs it by ``strategy``, inside the caller's
    cancel scope (made once per route and batch: an ``async def`` is itself). An inline
    call's result is returned as it is."""
    if strategy is _AWAIT:
        return fn
    if strategy is _THREAD:

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
        return _NOT_STARTED
    if strategy is _INLINE:
        value = fn(*args)
        return await value if inspect.isawaitable(value) else value
    run = fn if strategy is _AWAIT else coroutine_of(strategy, fn)
    if seconds is None:
        return await run(*args)
    import anyio  # first use: apps whose handlers are all plain never import it

    result: Any = None
    with anyio.move_on_after(seconds) as scope:
        result = await run(*args)
    return _CANCELLED if scope.cancelled_caught else result


def start(
    strategy: Strategy, fn: Callable[..., Any], kw: dict[str, Any], seconds: float | None
) -> Any:
    """``fn(**kw)`` started now, within ``seconds`` (``None``: unbounded), as
    :func:`invoke_within` runs it, without a coroutine for an inline call:
    :attr:`Cut.NOT_STARTED` when no time was left (nothing ran); an inline call's own
    result (an awaitable one is the caller's to await; what it raised, raised as it is);
    for the other strategies, the awaitable of :func:`invoke_within`'s answer."""
    if seconds is not None and seconds <= 0:
        return _NOT_STARTED
    if strategy is _INLINE:
        return fn(**kw)
    return invoke_within(strategy, functools.partial(fn, **kw), seconds=seconds)


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
