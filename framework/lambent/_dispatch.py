"""The batch engine: runs the items of one event and records exactly one outcome each.

Items that share an order key (FIFO message group, partition key, topic-partition)
form a *unit* that runs strictly in order; units run concurrently on a fixed pool
of workers (bounded by the concurrency limit) pulling from one iterator, which is
cheaper than a task per record behind a limiter. After a failure inside a unit,
the rest of the unit is not run (``SKIPPED``). The deadline is a cancel scope:
when it fires, running items are cancelled and every item without an outcome is
``NOT_STARTED`` (or ``CANCELLED`` when it had started). Plain ``def`` handlers run
inline, one after another, as a loop would; ``threaded`` routes run them in worker
threads.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread

from lambent._errors import DecodeError


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


@dataclass(slots=True)
class Work:
    """One item of a batch and everything its run needs."""

    index: int
    item_id: str
    item: Any = None
    #: the identifier reported to Lambda when it is not ``item_id`` (Kafka's object)
    wire_id: Any = None
    #: runs the item's handler (sync functions return the result, async a coroutine)
    call: Callable[[Work], Any] | None = None
    is_async: bool = False
    threaded: bool = False
    #: an error known before running (undecodable record, no route)
    error: BaseException | None = None
    drop_on_decode_error: bool = False
    order_key: Hashable | None = None
    #: the route that takes this item (``None``: unrouted, or an envelope of inner routes)
    route: Any = None
    status: Status = Status.PENDING
    result: Any = None


class Outcomes:
    """The results of running a batch: a status per item, errors and values."""

    def __init__(self, works: Sequence[Work], started: float) -> None:
        self.works = works
        self.started = started
        self.duration = 0.0
        #: the new state a tumbling-window handler returned
        self.state: Any = None

    def count(self, status: Status) -> int:
        return sum(1 for w in self.works if w.status is status)

    def failed(self) -> list[Work]:
        """Works that must be retried, in batch order."""
        return [w for w in self.works if not w.status.ok]

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(("succeeded", "failed", "skipped", "not_started", "dropped"), 0)
        names = {
            Status.SUCCEEDED: "succeeded",
            Status.FAILED: "failed",
            Status.SKIPPED: "skipped",
            Status.NOT_STARTED: "not_started",
            Status.CANCELLED: "not_started",
            Status.DROPPED: "dropped",
        }
        for w in self.works:
            counts[names.get(w.status, "failed")] += 1
        return counts


class DeadlineExceeded(Exception):
    """Recorded as the error of an item cancelled at, or not started before, the deadline."""


def _units(works: Sequence[Work]) -> list[list[Work]]:
    """Order units: items with equal order keys together, in first-appearance order."""
    groups: dict[Hashable, list[Work]] = {}
    units: list[list[Work]] = []
    for w in works:
        key = w.order_key
        if key is None:
            units.append([w])
            continue
        unit = groups.get(key)
        if unit is None:
            unit = groups[key] = []
            units.append(unit)
        unit.append(w)
    return units


async def _run_one(w: Work) -> bool:
    """Run one item; True when it succeeded (or was dropped)."""
    if w.error is not None:
        w.status = Status.DROPPED if w.drop_on_decode_error else Status.FAILED
        return w.status.ok
    call = w.call
    assert call is not None
    w.status = Status.STARTED
    try:
        if w.is_async:
            w.result = await call(w)
        elif w.threaded:
            w.result = await anyio.to_thread.run_sync(call, w, abandon_on_cancel=True)
        else:
            w.result = call(w)
    except DecodeError as exc:
        w.error = exc
        w.status = Status.DROPPED if w.drop_on_decode_error else Status.FAILED
        return w.status.ok
    except Exception as exc:
        w.error = exc
        w.status = Status.FAILED
        return False
    w.status = Status.SUCCEEDED
    return True


def _skip_rest(unit: Sequence[Work], after: int) -> None:
    for rest in unit[after + 1 :]:
        if rest.status is Status.PENDING:
            rest.status = Status.SKIPPED


async def _run_inline(works: Sequence[Work], stop_at: float) -> None:
    """Plain handlers: one after another in batch order, as a loop would."""
    failed_keys: set[Hashable] = set()
    for w in works:
        if time.monotonic() >= stop_at:
            return
        key = w.order_key
        if key is not None and key in failed_keys:
            w.status = Status.SKIPPED
            continue
        if not await _run_one(w) and key is not None:
            failed_keys.add(key)


async def run_batch(
    works: Sequence[Work],
    *,
    concurrency: int,
    budget: float | None,
    strict_order: bool = False,
) -> Outcomes:
    """Run every work; each ends with exactly one final status.

    ``budget`` is the time in seconds the batch may take (``None``: unbounded).
    ``strict_order``: one record at a time in batch order, and the first failure
    skips every later record (SQS FIFO as AWS documents it).
    """
    started = time.monotonic()
    stop_at = math.inf if budget is None else started + max(budget, 0.0)
    outcomes = Outcomes(works, started)

    async def run_unit(unit: Sequence[Work]) -> None:
        for pos, w in enumerate(unit):
            if time.monotonic() >= stop_at:
                return
            if not await _run_one(w) and len(unit) > pos + 1:
                _skip_rest(unit, pos)
                return

    with anyio.move_on_after(math.inf if budget is None else max(budget, 0.0)):
        if strict_order:
            await run_unit(works)
        elif all(not (w.is_async or w.threaded) for w in works):
            await _run_inline(works, stop_at)
        else:
            units = _units(works)
            pending = iter(units)

            async def worker() -> None:
                for unit in pending:
                    await run_unit(unit)

            async with anyio.create_task_group() as tg:
                for _ in range(max(1, min(concurrency, len(units)))):
                    tg.start_soon(worker)

    for w in works:
        if w.status is Status.PENDING:
            w.status = Status.NOT_STARTED
            w.error = DeadlineExceeded("not started before the deadline")
        elif w.status is Status.STARTED:
            w.status = Status.CANCELLED
            w.error = DeadlineExceeded("cancelled at the deadline")
    outcomes.duration = time.monotonic() - started
    return outcomes
