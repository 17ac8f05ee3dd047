"""Routes that take a whole batch at once: list-of-records handlers and tumbling windows.

A whole-batch handler gets the decoded records of its route as a list and returns
``None`` (all succeeded) or the records (or their ids) that failed; raising fails
them all. A window handler (``window=True``) gets the records and the carried
``state`` and returns the new state. Records after a reported failure in the same
order group are reported too, so ordered sources never skip ahead.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from lambent._calls import make_call
from lambent._deadline import DeadlineExceeded
from lambent._dispatch import Batch, Runner, Status, is_cancellation, run_batch
from lambent._inject import Slot
from lambent._logging import Logger

if TYPE_CHECKING:
    from lambent._app import App


class ReportedFailure(Exception):
    """The error of a record that a whole-batch handler reported as failed."""


async def _call(runner: Runner, items: list[Any], ev: Any, context: Any, log: Logger) -> Any:
    extra = {
        Slot.ITEMS: items,
        Slot.STATE: dict(getattr(ev, "state", None) or {}),
        Slot.LOGGER: log.bind(batch_size=len(items)),
    }
    call = make_call(runner.route.plan, None, ev, context, log, extra=extra)
    if runner.threaded:
        import anyio.to_thread  # first use

        return await anyio.to_thread.run_sync(call, None, 0, abandon_on_cancel=True)
    result = call(None, 0)
    if inspect.isawaitable(result):
        result = await result
    return result


def _mark(batch: Batch, mine: list[int], reported: Iterable[Any], record_id: Any) -> None:
    """Statuses from what a whole-batch handler returned (failed items or their ids)."""
    by_obj = {id(batch.items[i]): i for i in mine}
    by_id: dict[str, int] | None = None
    status = batch.status
    for entry in reported:
        if isinstance(entry, str):
            if by_id is None:
                by_id = {record_id(i): i for i in mine}
            index = by_id.get(entry)
        else:
            index = by_obj.get(id(entry))
        if index is None:
            raise ValueError(
                f"the batch handler reported {entry!r}, which is not a record of its batch"
            )
        status[index] = Status.FAILED
        batch.errors[index] = ReportedFailure("reported failed by the batch handler")
    keys = batch.keys
    failed_keys: set[Hashable] = set()
    for i in mine:
        key = None if keys is None else keys[i]
        if status[i] == Status.FAILED:
            if key is not None:
                failed_keys.add(key)
        elif key is not None and key in failed_keys:
            status[i] = Status.SKIPPED
        else:
            status[i] = Status.SUCCEEDED


async def run_whole_batches(
    app: App,
    batch: Batch,
    ev: Any,
    context: Any,
    log: Logger,
    limit: float | None,
    concurrency: int,
    record_id: Any = None,
) -> None:
    """Run the whole-batch routes of this batch, then any per-record items left."""
    started = time.monotonic()
    batch.started = started
    wholes: dict[int, Runner] = {}
    for r in batch.runners:
        if r is not None and r.whole:
            wholes.setdefault(id(r), r)
    status = batch.status
    for runner in wholes.values():
        mine = [
            i for i, r in enumerate(batch.runners) if r is runner and status[i] == Status.PENDING
        ]
        if not mine:  # every record decided before (done already, failed to decode)
            continue
        for i in mine:
            status[i] = Status.STARTED
        remaining = None if limit is None else limit - (time.monotonic() - started)
        result: Any = None
        items = [batch.items[i] for i in mine]
        cancelled = False
        try:
            if runner.is_async or runner.threaded:
                seconds = math.inf if remaining is None else max(remaining, 0.0)
                import anyio  # first use

                with anyio.move_on_after(seconds) as scope:
                    result = await _call(runner, items, ev, context, log)
                cancelled = scope.cancelled_caught
            else:  # a plain handler runs inline (it cannot be interrupted anyway)
                result = await _call(runner, items, ev, context, log)
        except BaseException as exc:
            if is_cancellation(exc):
                raise
            for i in mine:
                status[i], batch.errors[i] = Status.FAILED, exc
            continue
        if cancelled:
            for i in mine:
                status[i] = Status.CANCELLED
                batch.errors[i] = DeadlineExceeded("cancelled at the deadline")
            continue
        if runner.route.options.window:
            if result is not None and not isinstance(result, dict):
                error = TypeError(
                    f"a tumbling-window handler must return the new state as a dict, "
                    f"not {type(result).__name__}"
                )
                for i in mine:  # the old state is kept and the records are retried
                    status[i], batch.errors[i] = Status.FAILED, error
                continue
            batch.state = result  # None keeps the carried state
            for i in mine:
                status[i] = Status.SUCCEEDED
            continue
        try:
            _mark(batch, mine, result or (), record_id or (lambda i: ""))
        except (ValueError, TypeError) as exc:
            for i in mine:
                status[i], batch.errors[i] = Status.FAILED, exc
    rest = [i for i, s in enumerate(status) if s == Status.PENDING]
    if rest:
        remaining = None if limit is None else limit - (time.monotonic() - started)
        await run_batch(batch, concurrency=concurrency, budget=remaining, indices=rest)
    batch.started = started
    batch.duration = time.monotonic() - started
