"""The asynchronous loop: ``/next`` → run → ``/response`` or ``/error`` on one event loop.

Used when the handler can await (an app with ``async def`` handlers or a lifespan, an
``async def`` function), under ``AWS_LAMBDA_MAX_CONCURRENCY`` > 1, and under SnapStart.
Init (before the first ``/next``) enters the app's lifespan, so connections made there
serve the first request. ``AWS_LAMBDA_MAX_CONCURRENCY`` (Lambda Managed Instances) sets
how many loops poll at once, each on its own kept-alive connection. SIGTERM (and SIGINT)
stop the polling: a running invocation is finished (within 1.5 s, the Shutdown phase
being 2 s), the lifespan is left and the process exits 0 (1 when leaving the lifespan
failed: :func:`_leave`). The signals are heard from Init to the exit
(:func:`_watch_signals`): during Init, or after the first, one cuts what runs.
"""

from __future__ import annotations

import base64
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import msgspec
from anyio.abc import TaskStatus

from lambent._lifespans import failure
from lambent._run import is_cancellation
from lambent._tracebacks import user_trace
from lambent.http._streaming import STREAMING
from lambent.runtime import _hooks
from lambent.runtime._faults import Fault, error_from, log_error, message_of
from lambent.runtime._http import Connection
from lambent.runtime._invocation import (
    BASE,
    ERROR_TYPE,
    NEXT,
    REQUEST_ID,
    Post,
    init_error_post,
    run_invocation,
)
from lambent.runtime._logs import catch_up
from lambent.runtime._target import Target
from lambent.runtime._wire import RuntimeAPIError

ERROR_BODY = "Lambda-Runtime-Function-Error-Body"
STREAM_MODE = "Lambda-Runtime-Function-Response-Mode"
#: how long a stop waits for running invocations (Lambda's Shutdown phase is 2 s)
STOP_GRACE = 1.5


@dataclass
class _Stop:
    requested: bool = False
    #: the loops' connections, whose wait on ``/next`` a stop ends
    connections: set[Connection] = field(default_factory=set)
    #: what an invocation raised that ends the process (see :func:`_poll`)
    fatal: BaseException | None = None
    #: the polling loops while they run (a stop cuts them after :data:`STOP_GRACE`)
    loops: anyio.CancelScope | None = None
    #: the phase a signal cuts at once: Init, SnapStart's, leaving the lifespan
    phase: anyio.CancelScope | None = None

    def request(self) -> None:
        self.requested = True
        for conn in self.connections:
            conn.stop()

    def fail(self, exc: BaseException) -> None:
        if self.fatal is None:
            self.fatal = exc
        self.request()

    def cut(self) -> None:
        """End what runs now: the current phase, or the loops with what they run."""
        self.request()
        for scope in (self.phase, self.loops):
            if scope is not None:
                scope.cancel()

    @contextmanager
    def cuttable(self) -> Iterator[anyio.CancelScope]:
        """A phase a signal cuts (its scope's ``cancel_called`` tells whether it did)."""
        with anyio.CancelScope() as scope:
            self.phase = scope
            try:
                yield scope
            finally:
                self.phase = None


def say(message: str) -> None:
    sys.stderr.write(f"lambent.runtime: {message}\n")
    sys.stderr.flush()


async def _guarded(chunks: AsyncIterator[bytes], trailers: dict[str, str]) -> AsyncIterator[bytes]:
    """The chunks; an error while producing them goes into the trailers (LAMBDA.md §3.1):
    whatever the body raised, ``KeyboardInterrupt``, ``SystemExit`` or its own
    ``BaseException`` too (as a handler's is its 500), never the cancellation of the loop."""
    try:
        async for chunk in chunks:
            yield chunk
    except BaseException as exc:
        if is_cancellation(exc):
            raise
        doc = error_from(exc, REQUEST_ID.get())
        log_error(doc)
        trailers[ERROR_TYPE] = doc["errorType"]
        trailers[ERROR_BODY] = base64.b64encode(msgspec.json.encode(doc)).decode()


async def _post(conn: Connection, post: Post) -> None:
    if isinstance(post.body, bytes):
        status, _, answer = await conn.request("POST", post.path, post.body, post.headers)
    else:
        trailers: dict[str, str] = {}
        headers = {**post.headers, STREAM_MODE: "streaming"}
        status, _, answer = await conn.stream_request(
            "POST", post.path, _guarded(post.body, trailers), headers, trailers,
            announce=(ERROR_TYPE, ERROR_BODY),
        )  # fmt: skip
    if status != 202:
        say(f"the Runtime API refused {post.path} ({status}): {answer[:200]!r}")


async def _poll(conn: Connection, target: Target, stop: _Stop) -> None:
    STREAMING.set(True)  # this loop can stream HTTP responses (this task's context)
    stop.connections.add(conn)
    if stop.requested:
        conn.stop()
    try:
        # a stop ends the wait on /next while nothing of its answer has arrived; an
        # invocation whose answer had begun is read, run and answered first
        while (answer := await conn.poll(NEXT)) is not None:
            status, headers, body = answer
            if status != 200:
                raise RuntimeAPIError(f"/next answered {status}: {body[:200]!r}")
            catch_up()
            token = REQUEST_ID.set(headers.get("lambda-runtime-aws-request-id", ""))
            try:
                post = await run_invocation(target, headers, body)
            except BaseException as exc:
                if is_cancellation(exc):
                    raise
                # SystemExit, KeyboardInterrupt or a handler's own BaseException ends the
                # process, as it ends awslambdaric's (one per invocation at a time): the
                # other loops' running invocations are finished and answered first
                stop.fail(exc)
                return
            else:
                await _post(conn, post)
            finally:
                REQUEST_ID.reset(token)
    finally:
        stop.connections.discard(conn)
        with anyio.CancelScope(shield=True):
            await conn.aclose()


async def _watch_signals(stop: _Stop, *, task_status: TaskStatus[None]) -> None:
    """SIGTERM and SIGINT, heard from Init to the exit: while the loops poll, the first
    stops them, running invocations finishing within :data:`STOP_GRACE`; any other signal
    cuts what runs at once (Init, SnapStart's hooks, the grace, leaving the lifespan)."""
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        task_status.started()
        async for _ in signals:
            if stop.loops is None or stop.requested:
                stop.cut()
                continue
            stop.request()
            with anyio.move_on_after(STOP_GRACE) as grace:
                await signals.__anext__()
                stop.cut()  # a second signal: whatever runs now (the loops or a later phase)
            if grace.cancel_called and stop.loops is not None:
                stop.loops.cancel()


async def _init_failed(conn: Connection, exc: BaseException, trace: list[str] | None = None) -> int:
    try:
        await _post(conn, init_error_post(exc, trace))
    finally:
        await conn.aclose()
    return 1


def _hook_failure(error_type: str, exc: BaseException) -> Fault:
    """A SnapStart hook's failure: its type and message, and the frames of the user's
    code as its stack trace (logged and reported: awslambdaric's report has them too)."""
    return Fault(error_type, f"{type(exc).__name__}: {message_of(exc)}", user_trace(exc))


async def _snap_start(conn: Connection) -> int | None:
    # as awslambdaric (a bare ``except``): whatever a hook raises, SystemExit and
    # KeyboardInterrupt too, is the hook's failure, reported before the process ends
    try:
        await _hooks.run_before_snapshot()
    except BaseException as exc:
        if is_cancellation(exc):  # a signal ending SnapStart's wait
            raise
        await _init_failed(conn, _hook_failure(Fault.BEFORE_SNAPSHOT_ERROR, exc))
        return 64
    status, _, body = await conn.request("GET", f"{BASE}/restore/next")
    if status != 200:
        raise RuntimeAPIError(f"/restore/next answered {status}: {body[:200]!r}")
    try:
        await _hooks.run_after_restore()
    except BaseException as exc:
        if is_cancellation(exc):
            raise
        doc = error_from(_hook_failure(Fault.AFTER_RESTORE_ERROR, exc))
        log_error(doc)
        headers = {ERROR_TYPE: Fault.AFTER_RESTORE_ERROR, "Content-Type": "application/json"}
        await conn.request("POST", f"{BASE}/restore/error", msgspec.json.encode(doc), headers)
        return 65
    return None


async def _leave(life: Any, stop: _Stop) -> bool:
    """Leave the lifespan ``life`` (entered at Init); False when it failed doing so.

    Whatever the lifespan raises on its way out, ``SystemExit``, ``KeyboardInterrupt`` or
    its own ``BaseException`` too, is logged as one ``[ERROR] ShutdownError`` record (its
    frames in the user's code) instead of ending the process with a traceback. A signal
    cuts a lifespan slow to leave."""
    with stop.cuttable() as leaving:
        try:
            await life.__aexit__(None, None, None)
        except BaseException as exc:
            if is_cancellation(exc):
                raise
            message = failure("shutdown", exc)
            log_error(error_from(Fault(Fault.SHUTDOWN_ERROR, message, user_trace(exc))))
            return False
    if leaving.cancel_called:
        say("a signal cut leaving the lifespan")
    return True


async def _polling(first: Connection, target: Target, address: str, loops: int, stop: _Stop) -> int:
    """SnapStart's hooks (when it is on), then ``loops`` polling loops until a stop."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
        with stop.cuttable() as snap_start:
            code = await _snap_start(first)
            if code is not None:
                return code
        if snap_start.cancel_called:
            await first.aclose()
            say("a signal ended SnapStart's restore")
            return 0
    if loops > 1:
        # a plain handler runs in a worker thread per invocation: anyio's default limiter
        # (40 threads) would hold back the invocations past the 40th
        from anyio import to_thread  # (``import anyio.to_thread`` would make anyio local)

        limiter = to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, loops)
    with anyio.CancelScope() as stop.loops:
        try:
            async with anyio.create_task_group() as tg:
                for i in range(loops):
                    conn = first if i == 0 else Connection(address)
                    tg.start_soon(_poll, conn, target, stop)
        except BaseExceptionGroup as group:
            # a loop the Runtime API failed (``/next`` answering 500, a refused connection):
            # its error alone, told in one line by the entry, not the task group's traceback
            failed, rest = group.split(RuntimeAPIError)
            if failed is None or rest is not None:
                raise
            raise _first(failed) from None
    stop.loops = None
    if stop.fatal is not None:
        raise stop.fatal
    return 0


def _first(group: BaseExceptionGroup[Any]) -> BaseException:
    """The first exception of a (nested) group."""
    found: BaseException = group
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found


async def _lifecycle(target: Target, address: str, loops: int, stop: _Stop) -> int:
    if stop.requested:
        say("a signal ended Init")
        return 0
    first = Connection(address)
    life = target.running()
    entered = False
    with stop.cuttable() as init:
        try:
            await life.__aenter__()
            entered = True
        except BaseException as exc:
            if is_cancellation(exc):  # a signal ending Init
                raise
            # as a SnapStart hook's: SystemExit and KeyboardInterrupt too are the Init's
            # failure, reported with the frames of the user's code (as at shutdown)
            return await _init_failed(first, exc, user_trace(exc))
    if not entered:
        say("a signal ended Init")
        return 0
    if init.cancel_called:
        code = 0  # entered as the signal came: left at once
    else:
        try:
            code = await _polling(first, target, address, loops, stop)
        except BaseException:
            await _leave(life, stop)  # what ended the loops goes on; a failure leaving is logged
            raise
    left = await _leave(life, stop)
    return code or (0 if left else 1)


async def serve(
    target: Target, address: str, loops: int, stopped: Callable[[], bool] | None = None
) -> int:
    """Run ``loops`` polling loops for ``target`` against the Runtime API at ``address``
    (``stopped``: whether a signal came before this loop heard them, after the import).

    Returns the exit status: 0 after a stop (also one that cut Init or leaving the
    lifespan), 64 or 65 for a failing SnapStart hook, 1 when the lifespan failed at
    shutdown (logged; a SnapStart status wins)."""
    stop = _Stop()
    raised: BaseException | None = None
    async with anyio.create_task_group() as signals:
        await signals.start(_watch_signals, stop)
        if stopped is not None and stopped():
            stop.request()  # Init is over: nothing entered, nothing polled
        try:
            code = await _lifecycle(target, address, loops, stop)
        except BaseException as exc:  # raised as it is, not in the task group's group
            if is_cancellation(exc):
                raise
            raised = exc
        signals.cancel_scope.cancel()
    if raised is not None:
        raise raised
    return code
