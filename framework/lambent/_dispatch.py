"""The batch engine: runs the items of one event and records exactly one outcome each.

Items that share an order key (FIFO message group, partition key, topic-partition)
form a *unit* that runs strictly in order; units run concurrently on a fixed pool
of workers (bounded by the concurrency limit) pulling from one iterator, which is
cheaper than a task per record behind a limiter. After a failure inside a unit,
the rest of the unit is not run (``SKIPPED``). The deadline is a cancel scope:
when it fires, running items are cancelled and every item without an outcome is
``NOT_STARTED`` (or ``CANCELLED`` when it had started). Plain ``def`` handlers run
inline, one after another in batch order, as a loop would; ``threaded`` routes run
them in worker threads.

Per-item state lives in a :class:`Batch`: parallel arrays, not an object per
record, so a 10,000-record batch allocates (and the garbage collector scans) little.
"""

from __future__ import annotations

import enum
import math
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import msgspec

from lambent._errors import DeadlineExceeded as DeadlineExceeded
from lambent._errors import DecodeError
from lambent._fast import FAST


class Status(enum.IntEnum):
    PENDING = 0
    STARTED = 1
    SUCCEEDED = 2
    FAILED = 3  # the handler raised, or the record did not decode / route
    SKIPPED = 4  # not run: an earlier record of its unit failed
    NOT_STARTED = 5  # not run: the deadline came first
    CANCELLED = 6  # started, cancelled at the deadline
    DROPPED = 7  # discarded by choice (Firehose ``Dropped``, undecodable with "drop")

    @property
    def ok(self) -> bool:
        return self in (Status.SUCCEEDED, Status.DROPPED)


_PENDING, _STARTED, _SUCCEEDED, _FAILED = 0, 1, 2, 3
_SKIPPED, _NOT_STARTED, _CANCELLED, _DROPPED = 4, 5, 6, 7
_OK = (_SUCCEEDED, _DROPPED)
#: the other counts of a batch whose every item succeeded or failed
_NONE_ELSE = {"skipped": 0, "not_started": 0, "dropped": 0}


class Runner(msgspec.Struct, eq=False):
    """How the items of one route run (one instance shared by all of them).

    ``call(item, index)`` returns the handler's result, or a coroutine when
    ``is_async``. ``whole`` marks routes that take the whole batch at once (their
    items are run by ``lambent._batch``, not here).
    """

    call: Callable[[Any, int], Any]
    is_async: bool = False
    threaded: bool = False
    drop_on_decode_error: bool = False
    route: Any = None
    whole: bool = False
    #: a plain handler that takes only the payload: the pieces of ``call``
    #: (``lambent._calls.PayloadCall``), which a loop over one route runs itself
    payload: Any = None


def is_cancellation(exc: BaseException) -> bool:
    """Whether ``exc`` is the cancellation of the running task (lambent's deadline, an
    outer cancel scope, a closing coroutine), which must propagate. Anything else a
    handler raises, ``BaseException``s included (``KeyboardInterrupt``, ``SystemExit``, a
    ``CancelledError`` it raised by itself), is that handler's failure."""
    if isinstance(exc, GeneratorExit):
        return True
    asyncio = sys.modules.get("asyncio")  # lambent runs on asyncio; not loaded: no loop
    if asyncio is None or not isinstance(exc, asyncio.CancelledError):
        return False
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no loop: nothing can have cancelled a plain call
        return False
    return task is not None and task.cancelling() > 0


class Batch:
    """The items of one event and their outcomes, as parallel arrays."""

    __slots__ = (
        "duration",
        "errors",
        "ids",
        "items",
        "keys",
        "results",
        "runners",
        "started",
        "state",
        "status",
        "wire_ids",
    )

    def __init__(self, items: Sequence[Any]) -> None:
        n = len(items)
        self.items = items
        self.runners: list[Runner | None] = [None] * n
        #: order keys, or ``None`` when every item is independent
        self.keys: list[Hashable | None] | None = None
        self.status = bytearray(n)
        self.errors: dict[int, BaseException] = {}
        self.results: dict[int, Any] = {}
        #: identifiers of items that did not decode (the others ask their source)
        self.ids: dict[int, str] = {}
        self.wire_ids: dict[int, Any] = {}
        self.started = 0.0
        self.duration = 0.0
        #: the new state a tumbling-window handler returned
        self.state: Any = None

    def __len__(self) -> int:
        return len(self.items)

    def fail(self, index: int, error: BaseException, *, drop: bool = False) -> None:
        """Record an outcome known before running (an undecodable or unroutable item)."""
        self.status[index] = _DROPPED if drop else _FAILED
        self.errors[index] = error

    def failed(self) -> list[int]:
        """Indices of the items that must be retried, in batch order."""
        status = self.status
        bad = len(status) - status.count(_SUCCEEDED) - status.count(_DROPPED)
        if not bad:
            return []
        # usually every item that is not ok has its error: then no need to scan them all
        failed = sorted(i for i in self.errors if status[i] != _SUCCEEDED and status[i] != _DROPPED)
        if len(failed) == bad:
            return failed
        return [i for i, s in enumerate(status) if s != _SUCCEEDED and s != _DROPPED]

    def summary(self) -> dict[str, int]:
        count = self.status.count
        succeeded, failed = count(_SUCCEEDED), count(_FAILED)
        if succeeded + failed == len(self.status):  # the usual batch: no need to count more
            return {"succeeded": succeeded, "failed": failed, **_NONE_ELSE}
        return {
            "succeeded": succeeded,
            "failed": failed,
            "skipped": count(_SKIPPED),
            "not_started": count(_NOT_STARTED) + count(_CANCELLED),
            "dropped": count(_DROPPED),
        }


async def _run_one(batch: Batch, i: int) -> bool:
    """Run one item; True when it succeeded (or was dropped)."""
    status = batch.status
    if status[i] != _PENDING:  # decided before running
        return status[i] in _OK
    runner = batch.runners[i]
    assert runner is not None
    status[i] = _STARTED
    item = batch.items[i]
    try:
        if runner.is_async:
            result = await runner.call(item, i)
        elif runner.threaded:
            import anyio.to_thread  # first use (plain apps never need anyio)

            result = await anyio.to_thread.run_sync(runner.call, item, i, abandon_on_cancel=True)
        else:
            result = runner.call(item, i)
    except DecodeError as exc:
        batch.errors[i] = exc
        status[i] = _DROPPED if runner.drop_on_decode_error else _FAILED
        return status[i] == _DROPPED
    except BaseException as exc:
        if is_cancellation(exc):
            raise
        batch.errors[i] = exc
        status[i] = _FAILED
        return False
    status[i] = _SUCCEEDED
    if result is not None:
        batch.results[i] = result
    return True


def _units(batch: Batch, indices: Sequence[int]) -> list[list[int]]:
    """Order units: items with equal order keys together, in first-appearance order."""
    keys = batch.keys
    if keys is None:
        return [[i] for i in indices]
    groups: dict[Hashable, list[int]] = {}
    units: list[list[int]] = []
    for i in indices:
        key = keys[i]
        if key is None:
            units.append([i])
            continue
        unit = groups.get(key)
        if unit is None:
            unit = groups[key] = []
            units.append(unit)
        unit.append(i)
    return units


async def run_batch(
    batch: Batch,
    *,
    concurrency: int,
    budget: float | None,
    strict_order: bool = False,
    indices: Sequence[int] | None = None,
) -> Batch:
    """Run the pending items (``indices``: only those); each ends with one final status.

    ``budget`` is the time in seconds the batch may take (``None``: unbounded).
    ``strict_order``: one record at a time in batch order, and the first failure
    skips every later record (SQS FIFO as AWS documents it).
    """
    chosen: Sequence[int] = range(len(batch)) if indices is None else indices
    used = set(batch.runners)
    if FAST.inline_runs and all(r is None or not (r.is_async or r.threaded) for r in used):
        from lambent._inline import run_plain  # (it imports this module)

        run_plain(batch, budget, chosen, strict_order, used)
        return batch
    started = time.monotonic()
    batch.started = started
    stop_at = math.inf if budget is None else started + max(budget, 0.0)
    status = batch.status

    async def run_unit(unit: Sequence[int]) -> None:
        for pos, i in enumerate(unit):
            if time.monotonic() >= stop_at:
                return
            if not await _run_one(batch, i):
                for rest in unit[pos + 1 :]:
                    if status[rest] == _PENDING:
                        status[rest] = _SKIPPED
                return

    import anyio  # first use: apps whose handlers are all plain never import it

    with anyio.move_on_after(math.inf if budget is None else max(budget, 0.0)):
        if strict_order:
            await run_unit(list(chosen))
        else:
            units = _units(batch, chosen)
            pending = iter(units)

            async def worker() -> None:
                for unit in pending:
                    await run_unit(unit)

            async with anyio.create_task_group() as tg:
                for _ in range(max(1, min(concurrency, len(units)))):
                    tg.start_soon(worker)
    _cut(batch, chosen)
    batch.duration = time.monotonic() - started
    return batch


def _cut(batch: Batch, chosen: Sequence[int]) -> None:
    """Items without an outcome at the deadline: not started, or cancelled."""
    status = batch.status
    if _PENDING in status or _STARTED in status:
        for i in chosen:
            s = status[i]
            if s == _PENDING:
                status[i] = _NOT_STARTED
            elif s == _STARTED:
                status[i] = _CANCELLED
                batch.errors[i] = DeadlineExceeded("cancelled at the deadline")
