"""Where a function's code runs beside a local server's loop (lambent._local.environment):
which functions get worker threads and which a loop of their own, the bound on threads,
one loop per app, and what a handler that blocks does to a timeout and to closing."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from lambent import App, ConfigurationError
from lambent._local.environment import Environment, resolve_handler


def plain_app() -> App:
    app = App()

    @app.invoke()
    def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    return app


def awaiting_app() -> App:
    app = App()

    @app.invoke()
    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    return app


def handler(event: Any, context: Any) -> Any:
    return event


class WithHandler:
    def handler(self, event: Any, context: Any) -> Any:
        return event


def test_what_runs_in_threads_and_what_on_a_loop_of_its_own() -> None:
    plain, awaiting, obj = plain_app(), awaiting_app(), WithHandler()
    assert resolve_handler(plain, "x:app") == (plain.handler, None)
    assert resolve_handler(awaiting, "x:app") == (None, awaiting.dispatch)
    assert resolve_handler(handler, "x:handler") == (handler, None)
    assert resolve_handler(obj, "x:obj") == (obj.handler, None)
    with pytest.raises(ConfigurationError, match="x:answer is neither a function"):
        resolve_handler(42, "x:answer")


async def test_threads_are_bounded_and_a_plain_app_answers_its_first_calls_together() -> None:
    env = Environment(plain_app(), "x:app", concurrency=2)
    running, most = 0, 0
    lock = threading.Lock()

    def call(n: int) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        assert env.sync is not None
        return env.sync({"action": "echo", "n": n}, None)

    answers: dict[int, Any] = {}

    async def one(n: int) -> None:
        answers[n] = await env.in_thread(call, n)

    async with anyio.create_task_group() as tg:
        for n in range(6):
            tg.start_soon(one, n)
    await env.aclose()
    assert answers == {n: {"action": "echo", "n": n} for n in range(6)}
    assert most == 2


async def test_a_cancelled_thread_is_abandoned_and_never_holds_the_process() -> None:
    env = Environment(handler, "x:handler", concurrency=1)
    release = threading.Event()
    with anyio.move_on_after(0.1) as scope:
        await env.in_thread(release.wait, 30)
    assert scope.cancelled_caught
    # the slot is free again though the thread still waits, a daemon thread
    assert await env.in_thread(handler, "next", None) == "next"
    waiting = [t for t in threading.enumerate() if t.name == "lambent-invocation"]
    assert waiting and all(t.daemon for t in waiting)
    release.set()


async def loop_of_caller() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


async def test_an_app_that_awaits_runs_on_one_loop_of_its_own_shared_by_its_names() -> None:
    app = awaiting_app()
    first, second = Environment(app, "x:a", concurrency=1), Environment(app, "x:b", concurrency=1)
    other = Environment(awaiting_app(), "x:c", concurrency=1)
    loops = [await env.on_loop(loop_of_caller) for env in (first, second, other)]
    assert not await first.held()  # nothing holds it
    assert loops[0] is loops[1] and loops[0] is not loops[2]
    assert asyncio.get_running_loop() not in loops
    await first.aclose()
    assert not loops[0].is_closed()  # the other name still uses it
    await second.aclose()
    await other.aclose()
    assert loops[0].is_closed() and loops[2].is_closed()
    assert await plain_env_runs_here() is asyncio.get_running_loop()


async def plain_env_runs_here() -> asyncio.AbstractEventLoop:
    """A function that needs no loop has its coroutines (a stream's) run on the caller's."""
    env = Environment(handler, "x:handler", concurrency=1)
    assert not await env.held()  # no loop of its own to hold
    return await env.on_loop(loop_of_caller)


async def test_a_held_loop_is_timed_out_at_once_and_its_coroutine_cancelled_when_let_go() -> None:
    env = Environment(awaiting_app(), "x:app", concurrency=1)
    ended = threading.Event()

    async def holds() -> None:
        time.sleep(1.0)  # noqa: ASYNC251 (a plain handler blocking the app's loop)
        await anyio.lowlevel.checkpoint()
        ended.set()  # never: cancelled at its first await

    started = time.monotonic()
    with anyio.move_on_after(0.1):
        await env.on_loop(holds)
    timed_out = time.monotonic() - started
    assert await env.held()  # the handler still sleeps
    await env.aclose()
    assert timed_out < 0.9, timed_out  # not when the handler let go
    await anyio.sleep(1.2)  # the handler has let go: its coroutine was cancelled
    assert not ended.is_set()
