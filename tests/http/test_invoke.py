"""Running a handler under the deadline (:mod:`lambent.http._invoke`): async, inline and
threaded calls; the deadline's error; a ``BaseException`` becomes a ``HandlerError``
(:func:`handler_error`, which the web router's plain handlers get too)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import anyio
import pytest

from lambent import DeadlineExceeded, HandlerError
from lambent.http._invoke import handler_error, run


async def _slow_async() -> str:
    await anyio.sleep(5)
    return "late"


def _slow_thread() -> str:
    time.sleep(2)
    return "late"


async def _quick_async() -> str:
    return "async"


@pytest.mark.parametrize(
    ("fn", "is_async", "threaded"),
    [
        (_quick_async, True, False),
        (lambda: "inline", False, False),
        (lambda: "thread", False, True),
    ],
)
async def test_each_strategy_returns_the_result(fn: Any, is_async: bool, threaded: bool) -> None:
    for seconds in (None, 5.0):
        got = await run(fn, name="h", is_async=is_async, threaded=threaded, seconds=seconds)
        assert got in ("async", "inline", "thread")


@pytest.mark.parametrize(
    ("fn", "is_async", "threaded"), [(_slow_async, True, False), (_slow_thread, False, True)]
)
async def test_the_deadline_cancels_async_and_abandons_threaded_calls(
    fn: Any, is_async: bool, threaded: bool
) -> None:
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"did not finish within 0\.050 s"):
        await run(fn, name="h", is_async=is_async, threaded=threaded, seconds=0.05)
    assert time.monotonic() - started < 1.0  # not the 2 or 5 seconds of the handler


async def test_no_time_left_runs_nothing() -> None:
    ran: list[int] = []
    with pytest.raises(DeadlineExceeded, match="no time left"):
        await run(lambda: ran.append(1), name="h", is_async=False, threaded=False, seconds=0)
    assert ran == []


class Halt(BaseException):
    pass


async def test_a_base_exception_of_the_handler_is_a_handler_error_naming_it() -> None:
    def stop() -> None:
        raise Halt("stop")

    with pytest.raises(HandlerError, match=r"orders\.stop: raised Halt: stop") as info:
        await run(stop, name="orders.stop", is_async=False, threaded=False, seconds=None)
    assert isinstance(info.value.__cause__, Halt)
    with pytest.raises(ValueError, match="plain"):  # an Exception passes as it is
        await run(_raise_value, name="h", is_async=False, threaded=False, seconds=None)


def _raise_value() -> None:
    raise ValueError("plain")


async def test_a_cancelled_error_the_handler_raises_is_its_failure_not_the_deadline() -> None:
    async def own() -> None:
        raise asyncio.CancelledError  # by itself: nothing cancelled the task

    for seconds in (None, 5.0):
        with pytest.raises(HandlerError, match="raised CancelledError") as info:
            await run(own, name="h", is_async=True, threaded=False, seconds=seconds)
        assert not isinstance(info.value, DeadlineExceeded)


async def test_threaded_calls_run_in_a_worker_thread_and_awaitables_are_awaited() -> None:
    here = threading.current_thread().name

    def where() -> str:
        return threading.current_thread().name

    class Awaitable:  # a plain callable whose call is awaitable: awaited like an async def
        async def __call__(self) -> str:
            return "awaited"

    for seconds in (None, 5.0):
        got = await run(where, name="h", is_async=False, threaded=True, seconds=seconds)
        assert got != here
        got = await run(Awaitable(), name="h", is_async=False, threaded=False, seconds=seconds)
        assert got == "awaited"


def test_handler_error_names_the_handler_and_passes_exceptions_and_cancellation_on() -> None:
    for own in (KeyboardInterrupt(), SystemExit(2), Halt("stop"), asyncio.CancelledError()):
        error = handler_error("orders.stop", own)
        assert isinstance(error, HandlerError) and error.handler == "orders.stop"
        assert str(error) == f"orders.stop: raised {type(own).__name__}" + (
            {SystemExit: ": 2", Halt: ": stop"}.get(type(own), "")
        )
        assert error.__cause__ is own and error.__suppress_context__
    assert handler_error("h", ValueError("plain")) is None  # an Exception: as it is

    async def cancelled() -> BaseException | None:
        with anyio.CancelScope() as scope:
            scope.cancel()
            try:
                await anyio.sleep(1)
            except BaseException as exc:  # this task's cancellation: passes on
                answer = handler_error("h", exc)
                raise
        return answer

    assert asyncio.run(cancelled()) is None
