"""Where a function's code runs in this process: never on the local server's event loop.

``lambent serve`` (in process), ``lambent invoke`` and ``lambent dev`` answer HTTP on an
event loop of their own. A function run on that loop would hold it whenever it blocks:
one plain ``def`` handler calling ``time.sleep`` or a blocking client stalled every
other request, and outran its own timeout, which could not fire while the loop was
held. In Lambda each concurrent invocation has an execution environment of its own, so
the function runs beside the server instead:

- a function that needs no event loop runs each invocation in a worker thread of its
  own (a daemon thread, kept for later ones), up to ``concurrency`` at once (more wait
  for a thread): a plain function or an object with ``handler(event, context)``, and a
  :class:`lambent.App` whose handlers and hooks are all plain ``def`` and that has no
  lifespan (its ``app.handler`` runs them straight through). The app is started
  (frozen) once, by the first invocation, while the others wait; then invocations run
  side by side, as in separate environments (they share this process's memory, which
  separate environments would not);
- a function that awaits (an app with ``async def`` handlers or hooks or a lifespan, or
  any object whose ``dispatch`` is a coroutine function) runs on one event loop of its
  own in a thread (:class:`AppLoop`), where its invocations interleave as they do under
  ``lambent.runtime`` with ``AWS_LAMBDA_MAX_CONCURRENCY``; its lifespan's clients live
  on that loop. A plain handler of such an app that blocks holds that loop (the app's
  other invocations wait), never the server's.

An app's lifespan is its Init: entered on its loop by the first invocation, which the
others wait for. When it raises (``SystemExit`` too) the invocation meets
:class:`~lambent._lifespans.StartupFailed` and answers an Init error, as Lambda's does,
and the next invocation runs Init again; the server stays up. :meth:`Environment.aclose`
leaves the lifespan once, at the server's stop, and hands back what it raised there;
leaving may take Lambda's shutdown phase (``SHUTDOWN_TIMEOUT``, the 2 s a worker process
gets before it is killed), after which it is cut off and a :class:`LifespanCut` naming the
app is handed back instead.

Either way the server waits for the answer under the function's timeout and answers the
timeout itself when it passes. The invocation is then cancelled: a coroutine at its next
``await`` (at once, unless its loop is held); a thread cannot be stopped, so it runs on
until the handler returns, its result dropped, no longer counted against
``concurrency``, and never keeps the process from exiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import queue
import threading
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from lambent._app import App
from lambent._errors import ConfigurationError
from lambent._lifespans import LifespanCut, StartupFailed
from lambent._local.contain import handler_scope, original
from lambent._local.model import SHUTDOWN_TIMEOUT
from lambent._runtime import run_loop_free

T = TypeVar("T")
SyncHandler = Callable[[Any, Any], Any]
AsyncHandler = Callable[[Any, Any], Awaitable[Any]]
#: how long closing waits for an app loop held by a handler that blocks
CLOSE_WAIT = 2.0


def resolve_handler(obj: Any, where: str) -> tuple[SyncHandler | None, AsyncHandler | None]:
    """Pick how to call ``obj``: ``(sync_handler, None)`` or ``(None, async_dispatch)``."""
    dispatch = getattr(obj, "dispatch", None)
    if dispatch is not None and inspect.iscoroutinefunction(dispatch):
        if isinstance(obj, App) and obj._needs_no_loop():  # app.handler runs straight through
            return obj.handler, None
        return None, dispatch
    handler = getattr(obj, "handler", None)
    if callable(handler):
        return handler, None
    if callable(obj):
        return obj, None
    raise ConfigurationError(
        f"{where} is neither a function (event, context) nor an object with handler()"
    )


class AppLoop:
    """An event loop running in a thread of its own, for an app's coroutines.

    One per app object (:meth:`of`): a server naming one app twice (two functions of
    one module) runs both on the loop its lifespan's clients belong to."""

    _shared: dict[int, tuple[AppLoop, int]] = {}
    _guard = threading.Lock()

    @classmethod
    def of(cls, obj: object) -> AppLoop:
        """The loop of ``obj``, made by the first caller (each one then calls :meth:`release`)."""
        with cls._guard:
            loop, users = cls._shared.get(id(obj)) or (cls(), 0)
            cls._shared[id(obj)] = (loop, users + 1)
            return loop

    def release(self, obj: object, wait: float = CLOSE_WAIT) -> None:
        """One caller of :meth:`of` is done; the last one closes the loop (blocking)."""
        with self._guard:
            loop, users = self._shared.pop(id(obj), (self, 1))
            if users > 1:
                self._shared[id(obj)] = (loop, users - 1)
                return
        self.close(wait)

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="lambent-app-loop", daemon=True)
        self._thread.start()

    async def run(self, func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """``await func(*args)`` on this loop, in a copy of the caller's context.

        Cancelling the caller returns at once and cancels the coroutine there."""
        future = asyncio.run_coroutine_threadsafe(func(*args), self._loop)
        return await asyncio.wrap_future(future)

    def close(self, wait: float = CLOSE_WAIT) -> None:
        """Stop the loop, cancelling what still runs on it (blocking, for up to ``wait``
        seconds: a loop held by a handler stops once the handler lets go, on its own)."""
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(wait)

    def _run(self) -> None:
        loop = self._loop
        try:
            loop.run_forever()
        finally:  # as asyncio.run ends: what is left is cancelled and let finish
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.wait(tasks))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


class _Workers:
    """Daemon threads kept for the next invocation (anyio's worker threads are joined at
    the interpreter's exit, so one abandoned to a handler that blocks would hold it)."""

    def __init__(self) -> None:
        self._idle: list[queue.SimpleQueue[Callable[[], None]]] = []
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            worker = threading.Thread(
                target=self._work, args=(inbox,), name="lambent-invocation", daemon=True
            )
            worker.start()
        inbox.put(job)

    def _work(self, inbox: queue.SimpleQueue[Callable[[], None]]) -> None:
        while True:
            inbox.get()()
            with self._lock:
                self._idle.append(inbox)


_WORKERS = _Workers()


async def _in_daemon_thread(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a daemon thread, in a copy of this context; cancelling stops the
    wait, not the thread. ``func`` raises only an ``Exception``."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.cancelled():  # abandoned: nobody waits for it any more
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def job() -> None:
        outcome: tuple[T | None, BaseException | None]
        try:
            outcome = context.run(func, *args), None
        except BaseException as exc:
            outcome = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: dropped
            loop.call_soon_threadsafe(settle, *outcome)

    _WORKERS.submit(job)
    return await done


async def _nothing() -> None:
    pass


async def _step(step: Callable[[], Awaitable[Any]]) -> BaseException | None:
    """Run ``step`` (the lifespan's entry or exit) on the app's loop; what it raised."""
    with handler_scope():
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # SystemExit too: the app's failure, not the server's end
            return original(exc)
    return None


class Environment:
    """Runs one function's invocations beside the server's loop (see the module)."""

    def __init__(self, obj: Any, where: str, *, concurrency: int) -> None:
        self.sync, self.dispatch = resolve_handler(obj, where)
        #: an app run in threads, until it is started (:meth:`in_thread`)
        self._unstarted = obj if isinstance(obj, App) and self.sync is not None else None
        self._threads = anyio.CapacityLimiter(max(1, concurrency))
        self._starting = anyio.Lock()
        self._obj = obj
        self._where = where
        self._loop: AppLoop | None = None  # made at the first invocation that needs it
        #: the app run on its own loop, until its lifespan is entered (:meth:`_init`)
        self._app = obj if isinstance(obj, App) and self.dispatch is not None else None
        self._life: contextlib.AbstractAsyncContextManager[Any] | None = None

    async def in_thread(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in a worker thread; cancelling abandons the thread. An app is
        started (frozen) first, once, while other invocations wait."""
        if self._unstarted is not None:
            async with self._starting:
                app = self._unstarted
                if app is not None:
                    try:
                        await anyio.to_thread.run_sync(run_loop_free, app._start())
                    except Exception:  # the invocation meets it again, and reports it
                        pass
                    else:
                        self._unstarted = None
        async with self._threads:
            return await _in_daemon_thread(func, *args)

    async def on_loop(self, func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """``await func(*args)`` on the function's own loop (on this one when the function
        needs none: a coroutine its synchronous entry handed back, such as a stream)."""
        if self.dispatch is None:
            return await func(*args)
        if self._loop is None:
            self._loop = AppLoop.of(self._obj)
        if self._app is not None:
            await self._init(self._loop)
        return await self._loop.run(func, *args)

    async def _init(self, loop: AppLoop) -> None:
        """Enter the app's lifespan, once (again after it failed), while other invocations
        wait; raise :class:`StartupFailed` when it raises."""
        async with self._starting:
            app = self._app
            if app is None:
                return
            life = app.running()
            failed = await loop.run(_step, life.__aenter__)
            if failed is not None:
                raise StartupFailed(failed)
            self._app, self._life = None, life

    async def held(self, patience: float = 0.05) -> bool:
        """Whether the function's own loop is held (it does not get to a coroutine within
        ``patience`` seconds): a plain handler of an app that awaits, blocking."""
        if self._loop is None:
            return False
        with anyio.move_on_after(patience):
            await self._loop.run(_nothing)
            return False
        return True

    async def aclose(self) -> BaseException | None:
        """Leave the app's lifespan, if it was entered, and stop its loop: what the
        lifespan raised on its way out, if it did, or :class:`LifespanCut` when it was
        still leaving after :data:`SHUTDOWN_TIMEOUT` (its loop then is not waited for)."""
        failed: BaseException | None = None
        if self._loop is not None:
            loop, self._loop = self._loop, None
            life, self._life = self._life, None
            wait = CLOSE_WAIT
            if life is not None:
                with anyio.move_on_after(SHUTDOWN_TIMEOUT) as leaving:
                    failed = await loop.run(_step, partial(life.__aexit__, None, None, None))
                if leaving.cancelled_caught:
                    failed, wait = LifespanCut(self._where, SHUTDOWN_TIMEOUT), 0.0
            await anyio.to_thread.run_sync(loop.release, self._obj, wait)
        return failed
