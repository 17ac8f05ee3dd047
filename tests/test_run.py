"""Running one unit (:mod:`lambent._run`): each strategy, the deadline around a unit, and
lambent's cancellation told apart from a handler's own ``BaseException``."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent._run import Cut, Strategy, invoke, invoke_within, is_cancellation, start


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


def _add(a: int, b: int) -> tuple[int, str]:
    return a + b, threading.current_thread().name


async def _add_async(a: int, b: int) -> tuple[int, str]:
    await anyio.lowlevel.checkpoint()
    return _add(a, b)


def _halt(a: int, b: int) -> None:
    raise KeyboardInterrupt


async def _halt_async(a: int, b: int) -> None:
    raise KeyboardInterrupt


FNS = {
    (Strategy.INLINE, False): _add,
    (Strategy.THREAD, False): _add,
    (Strategy.AWAIT, False): _add_async,
    (Strategy.INLINE, True): _halt,
    (Strategy.THREAD, True): _halt,
    (Strategy.AWAIT, True): _halt_async,
}


async def _answer(run: Any) -> tuple[str, Any]:
    """What running a unit came to: its result, its Cut, or the type it raised."""
    try:
        result = run()
        if not isinstance(result, Cut) and inspect.isawaitable(result):
            result = await result
    except BaseException as exc:  # a handler's own KeyboardInterrupt, as it is
        return "raised", type(exc)
    if isinstance(result, Cut):
        return "cut", result
    return "result", result[0]


@settings(max_examples=60, deadline=None)
@given(
    strategy=st.sampled_from([Strategy.INLINE, Strategy.THREAD, Strategy.AWAIT]),
    raises=st.booleans(),
    # no time left, or plenty (a few ms would race a worker thread's start)
    seconds=st.none() | st.floats(min_value=-5, max_value=0) | st.floats(min_value=1, max_value=5),
    a=st.integers(),
)
def test_start_answers_as_invoke_within(
    strategy: Strategy, raises: bool, seconds: float | None, a: int
) -> None:
    """``start`` is ``invoke_within`` started now: the same result, the same ``Cut``
    (``NOT_STARTED`` exactly when no time was left), the same exception passed on."""
    fn = FNS[strategy, raises]

    async def both() -> tuple[tuple[str, Any], tuple[str, Any]]:
        started = await _answer(lambda: start(strategy, fn, {"a": a, "b": 1}, seconds))
        within = await _answer(lambda: invoke_within(strategy, fn, a, 1, seconds=seconds))
        return started, within

    started, within = anyio.run(both)
    assert started == within
    if seconds is not None and seconds <= 0:
        assert started == ("cut", Cut.NOT_STARTED)
    elif raises:
        assert started == ("raised", KeyboardInterrupt)
    else:
        assert started == ("result", a + 1)


def test_start_runs_an_inline_call_now_without_a_coroutine() -> None:
    here = threading.current_thread().name
    assert start(Strategy.INLINE, _add, {"a": 1, "b": 2}, None) == (3, here)  # no loop
    assert start(Strategy.INLINE, _add, {"a": 1, "b": 2}, 0.5) == (3, here)
    ran: list[int] = []
    assert start(Strategy.INLINE, ran.append, {}, 0.0) is Cut.NOT_STARTED  # never called
    assert ran == []
    with pytest.raises(KeyboardInterrupt):  # raised as it is: the caller answers it
        start(Strategy.INLINE, _halt, {"a": 1, "b": 2}, 1.0)


async def test_start_gives_an_awaited_or_threaded_call_to_await_under_its_deadline() -> None:
    unit = start(Strategy.AWAIT, _sleep_async, {}, 0.05)
    assert inspect.isawaitable(unit)
    assert await unit is Cut.CANCELLED
    assert await start(Strategy.THREAD, _sleep_thread, {}, 0.05) is Cut.CANCELLED
    here = threading.current_thread().name
    n, where = await start(Strategy.THREAD, _add, {"a": 1, "b": 1}, None)
    assert n == 2 and where != here
