"""Keeping a handler's ``SystemExit`` or ``KeyboardInterrupt`` inside its invocation.

asyncio re-raises those two out of the event loop when a task ends with one, so a
handler's ``sys.exit()`` in a task its app started (a batch's task group) would stop the
whole local Lambda. While an in-process invocation runs (:func:`handler_scope`), the
tasks it creates carry them as :class:`HandlerExit`, an ordinary exception;
:func:`original` turns what the invocation raised back into the handler's exception for
the error document (``errorType: SystemExit``), as Lambda reports it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

_INSIDE: ContextVar[bool] = ContextVar("lambent_local_handler", default=False)
_PATCHED: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


class HandlerExit(Exception):
    """A handler task's ``SystemExit``/``KeyboardInterrupt`` (its ``__cause__``)."""


async def _contained(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return await coro
    except (SystemExit, KeyboardInterrupt) as exc:
        raise HandlerExit(f"{type(exc).__name__}: {exc}") from exc


def _install(loop: asyncio.AbstractEventLoop) -> None:
    if loop in _PATCHED:
        return
    previous = loop.get_task_factory()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        if _INSIDE.get() and asyncio.iscoroutine(coro):
            coro = _contained(coro)
        if previous is not None:
            return previous(loop, coro, **kwargs)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)
    _PATCHED.add(loop)


@contextmanager
def handler_scope() -> Iterator[None]:
    """Tasks created inside carry ``SystemExit``/``KeyboardInterrupt`` as exceptions."""
    with suppress(RuntimeError):  # not on asyncio (trio): nothing to patch
        _install(asyncio.get_running_loop())
    token = _INSIDE.set(True)
    try:
        yield
    finally:
        _INSIDE.reset(token)


def original(exc: BaseException) -> BaseException:
    """The handler's own exception behind groups of one and :class:`HandlerExit`."""
    while True:
        if isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
            exc = exc.exceptions[0]
        elif isinstance(exc, HandlerExit) and exc.__cause__ is not None:
            exc = exc.__cause__
        else:
            return exc
