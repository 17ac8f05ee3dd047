"""What every poller of one ``run`` shares: the app, the options, the concurrency
slots, the shutdown signal, the clients and the per-source counters.

An invocation is ``app.dispatch(event, context)`` with an event shaped as Lambda
shapes it and a context whose deadline is ``function_timeout`` from now, so the
app behaves exactly as it does in Lambda. A batch takes one of ``concurrency``
slots before its records are received (SQS) or handed over (streams): pollers
wait for a free slot instead of prefetching.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio

from lambent._logging import Logger
from lambent.poll._backoff import Retrier
from lambent.poll._options import PollOptions, Source

T = TypeVar("T")


@dataclass(slots=True)
class Stats:
    """Counters of one source, also the progress line."""

    source: str
    batches: int = 0
    records: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    discarded: int = 0
    released: int = 0
    lag_ms: int = 0
    outages: int = 0
    last_record_at: float = field(default_factory=time.monotonic)

    def line(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "batches": self.batches,
            "records": self.records,
            "failures": self.failed,
            "discarded": self.discarded,
            "released": self.released,
            "lag_ms": self.lag_ms,
            "outages": self.outages,
        }


class FunctionTimeout(Exception):
    """An invocation ran past ``function_timeout``: Lambda's ``Task timed out``."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """What the app answered: its response, or the exception it raised."""

    response: Any = None
    error: BaseException | None = None


class Runtime:
    """Shared state of one ``run``."""

    def __init__(self, app: Any, options: PollOptions, log: Logger) -> None:
        self.app = app
        self.options = options
        self.log = log
        self.slots = anyio.Semaphore(options.concurrency)
        self.stopping = anyio.Event()
        #: a second signal: cancel in-flight batches now
        self.forced = anyio.Event()
        self.stats: dict[str, Stats] = {}
        self._config: Any = None
        self._pool: Any = None

    def stats_for(self, source: Source) -> Stats:
        return self.stats.setdefault(source.label, Stats(source.label))

    def retrier(self, source: Source) -> Retrier:
        stats = self.stats_for(source)

        def counted() -> None:
            stats.outages += 1

        return Retrier(
            source.label,
            self.log,
            base=self.options.retry_base,
            cap=self.options.retry_cap,
            on_outage=counted,
        )

    async def client(self, service: str, region: str) -> Any:
        """The poller's own client of ``service`` (botocore's retries off: ours log outages).

        Kept apart from the app's warm clients (:mod:`lambent.aws`), closed by :meth:`aclose`.
        """
        from lambent.aws._clients import ClientPool, settings

        if self._pool is None:
            self._pool = ClientPool()
            from botocore.config import Config

            self._config = Config(
                retries={"total_max_attempts": 1},
                connect_timeout=5,
                read_timeout=self.options.wait_time + 15,
                max_pool_connections=self.options.concurrency * 2 + 10,
            )
        key = settings(
            service, region=region, endpoint_url=self.options.endpoint_url, config=self._config
        )
        return await self._pool.get(key)

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()

    def context(self, source: Source) -> Any:
        from lambent.testing import FakeContext

        return FakeContext(
            timeout=self.options.function_timeout,
            function_name=getattr(self.app, "name", "lambent"),
            region=source.region,
            account=source.account,
        )

    async def invoke(self, source: Source, event: dict[str, Any]) -> Invocation:
        """Run the app on one event, as Lambda would: an exception fails the whole batch,
        and so does running past ``function_timeout`` (Lambda ends such an invocation,
        whatever it would have answered: a plain handler that blocks the loop past it
        fails its batch when it returns; an ``async`` one is cancelled at it)."""
        timeout = self.options.function_timeout
        started = time.monotonic()
        try:
            with anyio.move_on_after(timeout):
                response = await self.app.dispatch(event, self.context(source))
                if time.monotonic() - started <= timeout:
                    return Invocation(response)
            raise FunctionTimeout(f"Task timed out after {timeout:.2f} seconds")
        except Exception as exc:
            self.log.warning(
                "invocation failed", source=source.label, error=f"{type(exc).__name__}: {exc}"
            )
            return Invocation(error=exc)

    async def until_stopped(self, fn: Callable[[], Awaitable[T]]) -> T | None:
        """``await fn()``, or ``None`` as soon as shutdown starts."""
        return await self._until(self.stopping, fn)

    async def until_forced(self, fn: Callable[[], Awaitable[T]]) -> T | None:
        """``await fn()``, not cut off when the grace period ends (call it shielded), or
        ``None`` as soon as a second signal forces the stop."""
        return await self._until(self.forced, fn)

    async def _until(self, event: anyio.Event, fn: Callable[[], Awaitable[T]]) -> T | None:
        if event.is_set():
            return None
        result: list[T] = []
        failed: list[Exception] = []
        async with anyio.create_task_group() as tg:

            async def run() -> None:
                try:
                    result.append(await fn())
                except Exception as exc:  # raised as it is, not in the task group's group
                    failed.append(exc)
                tg.cancel_scope.cancel()

            async def watch() -> None:
                await event.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(run)
            tg.start_soon(watch)
        if failed:
            raise failed[0]
        return result[0] if result else None

    async def insist(
        self,
        call: Callable[[], Awaitable[object]],
        failed: Callable[[Exception], None],
        *,
        idle: Stats | None = None,
    ) -> bool:
        """``await call()`` until it succeeds: an error that is no outage (those are
        retried inside it) is told by ``failed`` (one line), and the call tried again
        ``retry_cap`` seconds later. False when shutdown starts before it succeeds (or,
        given ``idle``, when that source has been idle for ``idle_exit``)."""
        while True:
            try:
                await call()
                return True
            except Exception as exc:
                failed(exc)
            if self.stopping.is_set() or (idle is not None and self.idle(idle)):
                return False
            await self.sleep(self.options.retry_cap)

    async def sleep(self, seconds: float) -> None:
        """Sleep, waking early when shutdown starts."""
        with anyio.move_on_after(seconds):
            await self.stopping.wait()

    def idle(self, stats: Stats) -> bool:
        """True when ``idle_exit`` is set and this source saw no record for that long."""
        limit = self.options.idle_exit
        return limit is not None and time.monotonic() - stats.last_record_at >= limit
