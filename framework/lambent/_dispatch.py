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

from lambent._decode import DECODE_ERRORS, as_decode_error
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


def _run_inline(batch: Batch, indices: Sequence[int], stop_at: float, strict: bool) -> None:
    """Plain handlers: one after another in batch order, as a loop would. ``strict``:
    the first failure skips every later item."""
    items, runners, status, keys = batch.items, batch.runners, batch.status, batch.keys
    errors, results = batch.errors, batch.results
    failed_keys: set[Hashable] = set()
    clock = time.monotonic
    for i in indices:
        if clock() >= stop_at:
            return
        key = None if keys is None else keys[i]
        if key is not None and key in failed_keys:
            status[i] = _SKIPPED
            continue
        if status[i] != _PENDING:
            if status[i] not in _OK:
                if strict:
                    _skip_pending(status, indices)
                    return
                if key is not None:
                    failed_keys.add(key)
            continue
        runner = runners[i]
        assert runner is not None
        status[i] = _STARTED
        try:
            result = runner.call(items[i], i)
        except DecodeError as exc:
            errors[i] = exc
            if runner.drop_on_decode_error:
                status[i] = _DROPPED
                continue
            status[i] = _FAILED
        except BaseException as exc:  # a plain call: nothing of lambent's can cancel it
            errors[i] = exc
            status[i] = _FAILED
        else:
            status[i] = _SUCCEEDED
            if result is not None:
                results[i] = result
            continue
        if strict:
            _skip_pending(status, indices)
            return
        if key is not None:
            failed_keys.add(key)


def _run_single(batch: Batch, runner: Runner, indices: Sequence[int], stop_at: float) -> None:
    """Every item runs one plain route, in no order group: a plain loop, the handler's
    call fused into it when it takes only the payload (``lambent._fast``:
    ``single_route_runs``). Answers exactly as :func:`_run_inline`."""
    parts = runner.payload
    if parts is None:
        _run_inline(batch, indices, stop_at, False)
        return
    read, decode, fn, id_of, json_payload = parts
    items, status, errors, results = batch.items, batch.status, batch.errors, batch.results
    dropped = _DROPPED if runner.drop_on_decode_error else _FAILED
    clock = time.monotonic
    n = len(items)
    if indices != range(n) or status.count(_PENDING) != n:  # some items decided before
        chosen = [i for i in indices if not status[i]]
    else:
        chosen = None
    failed: list[tuple[int, int]] = []
    # how many of the chosen items ran (the rest: not started at the deadline)
    ran = n if chosen is None else len(chosen)
    for i, item in enumerate(items) if chosen is None else ((i, items[i]) for i in chosen):
        if clock() >= stop_at:
            ran = i if chosen is None else chosen.index(i)
            break
        value: Any = _UNDECODED  # one guard for both steps: which one failed is told by it
        try:
            raw = read(item)  # base64 data, DynamoDB images: inside the decode guard
            if raw is None and json_payload:
                raw = b"null"
            value = decode(raw)
            result = fn(value)
        except BaseException as exc:  # a plain call: nothing of lambent's can cancel it
            if value is not _UNDECODED:  # the handler raised
                errors[i] = exc
                failed.append((i, _FAILED))
                continue
            if not isinstance(exc, DECODE_ERRORS):
                raise
            error = as_decode_error(exc, id_of(item))
            # its traceback would only name this loop, and keep the loop's frame (and the
            # whole batch) alive in a reference cycle until the garbage collector runs
            error.__cause__ = exc.with_traceback(None)
            errors[i] = error
            failed.append((i, dropped))
            continue
        if result is not None:
            results[i] = result
    if chosen is None:
        status[:ran] = _ALL_SUCCEEDED[:ran] if ran <= len(_ALL_SUCCEEDED) else bytes([2]) * ran
    else:
        for i in chosen[:ran]:
            status[i] = _SUCCEEDED
    for i, outcome in failed:
        status[i] = outcome


#: what a record's payload is before it decoded
_UNDECODED: Any = object()

#: statuses of items that all succeeded, sliced (most batches are at most this long)
_ALL_SUCCEEDED = bytes([_SUCCEEDED]) * 10_000


def _skip_pending(status: bytearray, indices: Sequence[int]) -> None:
    for i in indices:
        if status[i] == _PENDING:
            status[i] = _SKIPPED


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


def run_plain(
    batch: Batch,
    budget: float | None,
    chosen: Sequence[int] | None = None,
    strict_order: bool = False,
    used: set[Runner | None] | None = None,
) -> None:
    """:func:`run_batch` for items whose handlers are all plain: inline, in batch order,
    each started only before the deadline (a plain call cannot be interrupted).
    ``chosen``: the items to run (default: all); ``used``: the batch's runners, if known."""
    started = time.monotonic()
    batch.started = started
    stop_at = math.inf if budget is None else started + max(budget, 0.0)
    if chosen is None:
        chosen = range(len(batch))
    if used is None:
        used = set(batch.runners)
    only = used.pop() if len(used) == 1 else None
    if only is not None and batch.keys is None and not strict_order and FAST.single_route_runs:
        _run_single(batch, only, chosen, stop_at)
    else:
        _run_inline(batch, chosen, stop_at, strict_order)
    _cut(batch, chosen)
    batch.duration = time.monotonic() - started


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
