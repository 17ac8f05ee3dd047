"""Event invocations: the internal queue, retries and the maximum event age (LAMBDA.md §2.1).

The Invoke API answers 202 as soon as :meth:`EventQueue.submit` has queued the event.
As many consumers as the function's concurrency take events off the queue, wait for a
free concurrency slot and run them. A failed attempt (exception, runtime error, timeout)
is queued again after the policy's delay until the retries are spent; an event older than
the maximum age is not run again. Every event ends in exactly one of the conditions
``Success``, ``RetriesExhausted`` or ``EventAgeExceeded`` and, when one is configured,
in the matching destination.

:meth:`EventQueue.close` refuses new events and :meth:`EventQueue.drain` waits (as
long as it is given) for the queued ones to run; :meth:`EventQueue.stop` then lets the
attempts that are running finish and leaves what is still queued or waiting for a retry:
:meth:`EventQueue.leftovers` returns those (to persist them), :attr:`EventQueue.pending`
says how many. :meth:`EventQueue.resume` takes persisted events back.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import anyio.abc

from lambent._local.destinations import Condition, Destination, destination_record
from lambent._local.function import LocalFunction
from lambent._local.model import Invocation, InvocationResult


@dataclass(eq=False)
class QueuedEvent:
    invocation: Invocation
    attempts: int = 0
    last: InvocationResult | None = None


class EventQueue:
    """The asynchronous invocations of one function."""

    def __init__(
        self,
        function: LocalFunction,
        on_success: Destination | None = None,
        on_failure: Destination | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.function = function
        self.policy = function.config.policy
        self.on_success = on_success
        self.on_failure = on_failure
        self.pending = 0  # accepted, not yet finished
        self.outcomes: Counter[str] = Counter()
        self._report = report
        self._queue: deque[QueuedEvent] = deque()
        self._waiting: set[QueuedEvent] = set()  # failed, waiting for their retry
        self._closed = False
        self._settled = anyio.Event()
        self._items = anyio.Semaphore(0)
        self._consumers = max(1, function.config.concurrency)
        self._stopping = False
        self._timers: anyio.abc.TaskGroup | None = None
        self._done = anyio.Event()
        self._idle = anyio.Event()

    def submit(self, invocation: Invocation) -> None:
        """Queue an event (never blocks; the queue is unbounded)."""
        self.resume(QueuedEvent(invocation))

    def resume(self, item: QueuedEvent) -> None:
        """Queue an event, possibly one already attempted (persisted by an earlier server)."""
        if self._stopping or self._closed:
            raise RuntimeError("the event queue is stopping")
        self.pending += 1
        if self._idle.is_set():
            self._idle = anyio.Event()
        self._enqueue(item)

    def close(self) -> None:
        """Accept no more events; the queued ones still run (until :meth:`stop`)."""
        self._closed = True

    async def drain(self) -> None:
        """Wait until nothing is queued or running (events waiting for a retry may remain)."""
        while self.pending > len(self._waiting):
            self._settled = anyio.Event()
            await self._settled.wait()

    def _note_progress(self) -> None:
        if self.pending <= len(self._waiting):
            self._settled.set()

    def leftovers(self) -> list[QueuedEvent]:
        """After :meth:`wait_stopped`: the events never finished (queued or awaiting a retry)."""
        return [*self._queue, *self._waiting]

    def _enqueue(self, item: QueuedEvent) -> None:
        self._queue.append(item)
        self._items.release()

    async def run(self) -> None:
        """Consume until :meth:`stop`; then wait for running attempts and return."""
        try:
            async with anyio.create_task_group() as timers:
                self._timers = timers
                async with anyio.create_task_group() as consumers:
                    for _ in range(self._consumers):
                        consumers.start_soon(self._consume)
                timers.cancel_scope.cancel()
        finally:
            self._done.set()

    def stop(self) -> None:
        """Take no more events off the queue; running attempts finish."""
        if not self._stopping:
            self._stopping = True
            for _ in range(self._consumers):
                self._items.release()

    async def wait_stopped(self) -> None:
        await self._done.wait()

    async def wait_idle(self) -> None:
        """Wait until every event submitted so far has finished."""
        if self.pending:
            await self._idle.wait()

    async def _consume(self) -> None:
        while True:
            await self._items.acquire()
            if self._stopping:
                return
            await self._attempt(self._queue.popleft())

    async def _attempt(self, item: QueuedEvent) -> None:
        age = time.time() - item.invocation.accepted_at
        left = self.policy.scaled_max_age - age
        result = None
        if left > 0:
            result = await self.function.invoke_when_free(item.invocation, left)
        if result is None:
            await self._finish(item, "EventAgeExceeded")
            return
        item.attempts += 1
        item.last = result
        if not result.failed:
            await self._finish(item, "Success")
        elif item.attempts > self.policy.max_retries:
            await self._finish(item, "RetriesExhausted")
        else:
            delay = self.policy.delay_before(item.attempts + 1)
            assert self._timers is not None
            self._waiting.add(item)
            self._note_progress()
            self._timers.start_soon(self._retry_later, item, delay)

    async def _retry_later(self, item: QueuedEvent, delay: float) -> None:
        await anyio.sleep(delay)
        if not self._stopping:  # else it stays a leftover
            self._waiting.discard(item)
            self._enqueue(item)

    async def _finish(self, item: QueuedEvent, condition: Condition) -> None:
        destination = self.on_success if condition == "Success" else self.on_failure
        config = self.function.config
        try:
            if destination is not None:
                record = destination_record(
                    config, item.invocation, item.last, condition, item.attempts
                )
                with anyio.CancelScope(shield=True):
                    await destination.send(record)
        except Exception as exc:
            self._say(
                f"{config.name} {item.invocation.request_id}: delivery to "
                f"{destination.description if destination else '-'} failed: {exc!r}"
            )
        finally:
            self.pending -= 1
            self.outcomes[condition] += 1
            if not self.pending:
                self._idle.set()
            self._note_progress()
        self._say(
            f"{config.name} {item.invocation.request_id}: {condition} after "
            f"{item.attempts} attempt(s)"
        )

    def _say(self, message: str) -> None:
        if self._report is not None:
            self._report(message)
