"""What every poller of one run shares (lambent.poll._runtime): the context each
invocation gets, an invocation that raises told once and kept as its error, the progress
counters, and waits that end as soon as shutdown starts."""

from __future__ import annotations

import time
from typing import Any

import anyio

from lambent import App, LambdaContext
from lambent.poll import PollOptions, parse_source
from lambent.poll._runtime import Runtime
from tests.loggers import QuietLogger

QUEUE = parse_source("arn:aws:sqs:eu-west-1:123456789012:orders", "us-east-1")


class Lines(QuietLogger):
    def __init__(self) -> None:
        self.lines: list[tuple[str | None, dict[str, Any]]] = []

    def warning(self, event: str | None = None, *args: Any, **kw: Any) -> None:
        self.lines.append((event, kw))

    def info(self, event: str | None = None, *args: Any, **kw: Any) -> None:
        self.lines.append((event, kw))


class Boom:
    async def dispatch(self, event: Any, context: Any) -> Any:
        raise RuntimeError("app down")


def _runtime(app: Any, **options: Any) -> tuple[Runtime, Lines]:
    log = Lines()
    return Runtime(app, PollOptions(**options), log), log


async def test_an_invocation_gets_lambdas_context_and_the_apps_answer() -> None:
    app = App()

    @app.invoke()
    def remaining(payload: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return {"ms": context.get_remaining_time_in_millis(), "arn": context.invoked_function_arn}

    runtime, _ = _runtime(app, function_timeout=60.0)
    answer = await runtime.invoke(QUEUE, {"n": 1})
    assert answer.error is None
    assert 55_000 < answer.response["ms"] <= 60_000
    assert ":eu-west-1:123456789012:" in answer.response["arn"]


async def test_an_invocation_that_raises_is_told_once_and_kept() -> None:
    runtime, log = _runtime(Boom())
    answer = await runtime.invoke(QUEUE, {})
    assert isinstance(answer.error, RuntimeError) and answer.response is None
    assert log.lines == [
        ("invocation failed", {"source": QUEUE.label, "error": "RuntimeError: app down"})
    ]


def test_the_progress_line_of_a_source() -> None:
    runtime, _ = _runtime(Boom(), idle_exit=3600.0)
    stats = runtime.stats_for(QUEUE)
    assert runtime.stats_for(QUEUE) is stats
    stats.batches, stats.records, stats.failed = 2, 20, 1
    assert stats.line() == {
        "source": QUEUE.label, "batches": 2, "records": 20, "failures": 1,
        "discarded": 0, "released": 0, "lag_ms": 0, "outages": 0,
    }  # fmt: skip
    assert not runtime.idle(stats)
    stats.last_record_at -= 3600
    assert runtime.idle(stats)
    never, _ = _runtime(Boom())
    assert not never.idle(stats)  # without idle_exit a source is never idle


async def test_waits_end_when_shutdown_starts() -> None:
    runtime, _ = _runtime(Boom())

    async def forever() -> str:
        await anyio.sleep_forever()
        return "never"

    async def quick() -> str:
        return "done"

    assert await runtime.until_stopped(quick) == "done"
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(runtime.sleep, 3600)
            await anyio.wait_all_tasks_blocked()
            runtime.stopping.set()
        assert await runtime.until_stopped(forever) is None


async def test_an_invocation_past_the_function_timeout_fails_whatever_it_answers() -> None:
    # Lambda ends the invocation at its timeout ("Task timed out"): the whole batch fails,
    # even when a plain handler that blocked the loop past it returns a success later
    app = App()

    @app.invoke()
    def blocking(payload: dict[str, Any]) -> str:
        time.sleep(1.2)
        return "done"

    runtime, log = _runtime(app, function_timeout=1.0)
    answer = await runtime.invoke(QUEUE, {"n": 1})
    assert answer.response is None
    assert str(answer.error) == "Task timed out after 1.00 seconds"
    assert [event for event, _ in log.lines] == ["invocation failed"]


async def test_an_async_invocation_is_cut_at_the_function_timeout() -> None:
    class Hangs:
        async def dispatch(self, event: Any, context: Any) -> Any:
            await anyio.sleep(30)  # past its own deadline: Lambda would end it

    runtime, _ = _runtime(Hangs(), function_timeout=0.1)
    with anyio.fail_after(5):
        answer = await runtime.invoke(QUEUE, {})
    assert str(answer.error) == "Task timed out after 0.10 seconds"
