"""The batch engine: runs the units of one event and records exactly one outcome per item.

A *unit* is what one handler call, or one ordered run of calls, covers:

* the items of a whole-batch or tumbling-window route: one call for all of them, whose
  answer (:mod:`lambent._batch`) maps to each item's status; these units run first, one
  after another, each under what is left of the deadline;
* items that share an order key (FIFO message group, partition key, topic-partition):
  one after another in batch order; after a failure the rest is not run (``SKIPPED``);
* every other item alone.

Per-record units run concurrently on a fixed pool of workers (bounded by the concurrency
limit) pulling from one iterator, cheaper than a task per record behind a limiter; the
deadline is one cancel scope around them: when it fires, running items are cancelled,
and every item without an outcome is ``NOT_STARTED`` (or ``CANCELLED`` when it had
started). How a call runs (inline, awaited, in a worker thread) and under which deadline
is :mod:`lambent._run`'s. When every handler is a plain ``def`` (and no route is
``threaded``), items run inline in batch order, as a loop would (:mod:`lambent._inline`).

Per-item state lives in a :class:`Batch`: parallel arrays, not an object per record, so a
10,000-record batch allocates (and the garbage collector scans) little.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from types import CoroutineType
from typing import Any

import msgspec

from lambent._errors import DeadlineExceeded as DeadlineExceeded
from lambent._errors import DecodeError, HandlerError
from lambent._fast import FAST
from lambent._run import Cut, Strategy, coroutine_of, invoke_within, is_cancellation


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


#: what a whole-batch route's answer means for its items' statuses:
#: ``settle(batch, indices, result, record_id)`` (:mod:`lambent._batch`)
Settle = Callable[[Any, list[int], Any, Callable[[int], str] | None], None]


class Runner(msgspec.Struct, eq=False):
    """How the items of one route run (one instance shared by all of them).

    ``call(item, index)`` returns the handler's result, or a coroutine when
    ``is_async``. A whole-batch route's runner (``whole``) is called once for all its
    items, ``call(items, 0)``, and ``settle`` maps its answer to their statuses.
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
    settle: Settle | None = None

    @property
    def strategy(self) -> Strategy:
        return Strategy.of(self.is_async, self.threaded)

    @property
    def plain(self) -> bool:
        """Whether the call runs inline (neither ``async`` nor threaded)."""
        return not (self.is_async or self.threaded)


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


def failure(batch: Batch, i: int, runner: Runner, exc: BaseException) -> bool:
    """Record that item ``i``'s handler raised ``exc`` (not lambent's cancellation): a
    decode error drops it when its route says so, anything else fails it. True when
    dropped."""
    batch.errors[i] = exc
    drop = runner.drop_on_decode_error and isinstance(exc, DecodeError)
    batch.status[i] = _DROPPED if drop else _FAILED
    return drop


def unawaited(runner: Runner, result: Any) -> HandlerError | None:
    """The error of a handler that returned a coroutine it did not await (``def h(b):
    return save(b)`` with ``save`` async): its work never ran, so its item must not
    count as done. The coroutine is closed (no "never awaited" warning)."""
    if type(result) is not CoroutineType:
        return None
    result.close()
    name = runner.route.plan.name if runner.route is not None else "the handler"
    return HandlerError(
        name, "returned a coroutine without awaiting it: its work did not run (await it)"
    )


async def _run_one(batch: Batch, i: int, calls: Mapping[Runner, Callable[..., Any]]) -> bool:
    """Run one item (``calls``: each runner's call as a coroutine function, by its
    strategy); True when it succeeded (or was dropped)."""
    status = batch.status
    if status[i] != _PENDING:  # decided before running
        return status[i] in _OK
    runner = batch.runners[i]
    assert runner is not None
    status[i] = _STARTED
    try:
        result = await calls[runner](batch.items[i], i)
    except BaseException as exc:
        if is_cancellation(exc):
            raise
        return failure(batch, i, runner, exc)
    if result is not None:
        error = unawaited(runner, result)
        if error is not None:
            return failure(batch, i, runner, error)
        batch.results[i] = result
    status[i] = _SUCCEEDED
    return True


async def _run_whole(
    batch: Batch,
    runner: Runner,
    chosen: Sequence[int],
    stop_at: float,
    record_id: Callable[[int], str] | None,
) -> None:
    """The unit of a whole-batch route: its pending items, one call, under what is left
    of the deadline; its answer settles their statuses."""
    status, runners = batch.status, batch.runners
    mine = [i for i in chosen if runners[i] is runner and status[i] == _PENDING]
    if not mine:  # every item decided before (done already, did not decode)
        return
    for i in mine:
        status[i] = _STARTED
    seconds = None if stop_at == math.inf else stop_at - time.monotonic()
    items = [batch.items[i] for i in mine]
    try:
        result = await invoke_within(runner.strategy, runner.call, items, 0, seconds=seconds)
    except BaseException as exc:
        if is_cancellation(exc):
            raise
        for i in mine:
            status[i], batch.errors[i] = _FAILED, exc
        return
    if result is Cut.NOT_STARTED:
        for i in mine:
            status[i] = _NOT_STARTED
    elif result is Cut.CANCELLED:
        for i in mine:
            status[i] = _CANCELLED
            batch.errors[i] = DeadlineExceeded("cancelled at the deadline")
    else:
        assert runner.settle is not None
        runner.settle(batch, mine, result, record_id)


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
    record_id: Callable[[int], str] | None = None,
) -> Batch:
    """Run the pending items (``indices``: only those); each ends with one final status.

    ``budget`` is the time in seconds the batch may take (``None``: unbounded).
    ``strict_order``: one record at a time in batch order, and the first failure
    skips every later record (SQS FIFO as AWS documents it). ``record_id``: an item's
    id, by index (a whole-batch handler may report failed records by id).
    """
    chosen: Sequence[int] = range(len(batch)) if indices is None else indices
    started = time.monotonic()
    batch.started = started
    stop_at = math.inf if budget is None else started + max(budget, 0.0)
    used = set(batch.runners)
    wholes = [r for r in used if r is not None and r.whole]
    if wholes:  # whole-batch units first, one after another, in batch order
        wholes.sort(key=batch.runners.index)
        for runner in wholes:
            await _run_whole(batch, runner, chosen, stop_at, record_id)
        used.difference_update(wholes)
        chosen = [i for i in chosen if batch.runners[i] not in wholes]
    if FAST.inline_runs and all(r is None or r.plain for r in used):
        from lambent._inline import run_plain_until  # (it imports this module)

        run_plain_until(batch, stop_at, chosen, strict_order, used)
    else:
        await _run_units(batch, chosen, stop_at, concurrency, strict_order)
    _cut(batch, chosen)
    batch.duration = time.monotonic() - started
    return batch


async def _run_units(
    batch: Batch, chosen: Sequence[int], stop_at: float, concurrency: int, strict: bool
) -> None:
    """Per-record units on a pool of workers, under the deadline's one cancel scope."""
    status = batch.status
    calls = {r: coroutine_of(r.strategy, r.call) for r in set(batch.runners) if r is not None}

    async def run_unit(unit: Sequence[int]) -> None:
        for pos, i in enumerate(unit):
            if time.monotonic() >= stop_at:
                return
            if not await _run_one(batch, i, calls):
                for rest in unit[pos + 1 :]:
                    if status[rest] == _PENDING:
                        status[rest] = _SKIPPED
                return

    import anyio  # first use: apps whose handlers are all plain never import it

    with anyio.move_on_after(stop_at - time.monotonic()):
        if strict:
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
