"""Running one unit (:mod:`lambent._run`): each strategy, the deadline around a unit, and
lambent's cancellation told apart from a handler's own ``BaseException``."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import anyio
import pytest

from lambent._run import Cut, Strategy, invoke, invoke_within, is_cancellation


def test_the_strategy_of_a_handler() -> None:
    assert Strategy.of(is_async=True, threaded=True) is Strategy.AWAIT
    assert Strategy.of(is_async=False, threaded=True) is Strategy.THREAD
    assert Strategy.of(is_async=False, threaded=False) is Strategy.INLINE


async def _double(n: int) -> int:
    await anyio.lowlevel.checkpoint()
    return 2 * n


def _thread_name(n: int) -> tuple[int, str]:
    return n, threading.current_thread().name


async def test_each_strategy_runs_where_it_says() -> None:
    here = threading.current_thread().name
    assert await invoke(Strategy.AWAIT, _double, 4) == 8
    assert await invoke(Strategy.INLINE, _thread_name, 1) == (1, here)
    n, where = await invoke(Strategy.THREAD, _thread_name, 2)
    assert n == 2 and where != here
    for seconds in (None, 5.0):  # the same answers under a deadline of the unit's own
        assert await invoke_within(Strategy.AWAIT, _double, 4, seconds=seconds) == 8
        assert await invoke_within(Strategy.INLINE, _thread_name, 1, seconds=seconds) == (1, here)
        n, where = await invoke_within(Strategy.THREAD, _thread_name, 2, seconds=seconds)
        assert n == 2 and where != here


async def test_no_time_left_starts_nothing() -> None:
    ran: list[Strategy] = []

    def plain(strategy: Strategy) -> None:
        ran.append(strategy)

    async def coroutine(strategy: Strategy) -> None:
        ran.append(strategy)

    for strategy, fn in (
        (Strategy.INLINE, plain),
        (Strategy.THREAD, plain),
        (Strategy.AWAIT, coroutine),
    ):
        for seconds in (0.0, -1.0):
            assert await invoke_within(strategy, fn, strategy, seconds=seconds) is Cut.NOT_STARTED
    assert ran == []


async def _sleep_async() -> str:
    await anyio.sleep(5)
    return "late"


def _sleep_thread() -> str:
    time.sleep(1)
    return "late"


@pytest.mark.parametrize(
    ("strategy", "fn"), [(Strategy.AWAIT, _sleep_async), (Strategy.THREAD, _sleep_thread)]
)
async def test_the_deadline_cancels_an_awaited_unit_and_abandons_a_threaded_one(
    strategy: Strategy, fn: Any
) -> None:
    started = time.monotonic()
    assert await invoke_within(strategy, fn, seconds=0.05) is Cut.CANCELLED
    assert time.monotonic() - started < 0.9  # not the handler's 1 or 5 seconds


async def test_an_inline_unit_is_not_interrupted_and_its_awaitable_is_awaited() -> None:
    def slow() -> str:
        time.sleep(0.05)
        return "done"

    assert await invoke_within(Strategy.INLINE, slow, seconds=0.01) == "done"

    class AsyncCallable:  # not a coroutine function, but its call is awaitable
        async def __call__(self) -> str:
            return "awaited"

    assert await invoke_within(Strategy.INLINE, AsyncCallable(), seconds=None) == "awaited"
    assert await invoke_within(Strategy.INLINE, AsyncCallable(), seconds=1.0) == "awaited"


async def test_a_unit_raising_passes_its_exception_on() -> None:
    class Halt(BaseException):
        pass

    def halt() -> None:
        raise Halt("stop")

    for strategy in (Strategy.INLINE, Strategy.THREAD):
        with pytest.raises(Halt):
            await invoke_within(strategy, halt, seconds=1.0)
        with pytest.raises(Halt):
            await invoke(strategy, halt)


def test_a_handler_s_own_cancelled_error_is_not_a_cancellation() -> None:
    async def main() -> tuple[bool, bool]:
        own = asyncio.CancelledError()  # raised by a handler, nobody cancelled the task
        outer = False
        with anyio.move_on_after(0.01):
            try:
                await anyio.sleep(1)
            except BaseException as exc:  # the scope's cancellation of this task
                outer = is_cancellation(exc)
                raise
        return is_cancellation(own), outer

    assert asyncio.run(main()) == (False, True)
    assert is_cancellation(GeneratorExit())
    assert not is_cancellation(KeyboardInterrupt())
    assert not is_cancellation(asyncio.CancelledError())  # no loop: nothing cancelled it
