"""Routes that take a whole batch at once: list-of-records handlers and tumbling windows.

A whole-batch handler gets the decoded records of its route as a list and returns
``None`` (all succeeded) or the records (or their ids) that failed; raising fails
them all. A window handler (``window=True``) gets the records and the carried
``state`` and returns the new state. Records after a reported failure in the same
order group are reported too, so ordered sources never skip ahead.

Such a route is one *unit* of the run loop (:mod:`lambent._dispatch`), which runs it
like any other (inline, awaited or in a worker thread, under the deadline; a raise fails
every record of the unit). This module owns the two ends: the handler's call
(:func:`whole_call`) and what its answer means for each record (:func:`settle`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from lambent._calls import make_call
from lambent._dispatch import Batch, Status
from lambent._inject import HandlerPlan, Slot
from lambent._logging import Logger

__all__ = ["ReportedFailure", "settle", "whole_call"]


class ReportedFailure(Exception):
    """The error of a record that a whole-batch handler reported as failed."""


def whole_call(
    plan: HandlerPlan, ev: Any, context: Any, log: Logger
) -> Callable[[list[Any], int], Any]:
    """The handler's call for the records of its unit: ``call(items, 0)``, each call
    given its own copy of the carried window state."""

    def call(items: list[Any], index: int) -> Any:
        extra = {
            Slot.ITEMS: items,
            Slot.STATE: dict(getattr(ev, "state", None) or {}),
            Slot.LOGGER: log.bind(batch_size=len(items)),
        }
        return make_call(plan, None, ev, context, log, extra=extra)(None, index)

    return call


def settle(
    batch: Batch, mine: list[int], result: Any, record_id: Callable[[int], str] | None
) -> None:
    """The statuses of the records ``mine`` from what their handler returned (it did not
    raise): a window handler's new state (``None`` keeps the carried one), or the
    records (or ids) a whole-batch handler reports failed."""
    runner = batch.runners[mine[0]]
    assert runner is not None
    status = batch.status
    if runner.route.options.window:
        if result is not None and not isinstance(result, dict):
            error = TypeError(
                f"a tumbling-window handler must return the new state as a dict, "
                f"not {type(result).__name__}"
            )
            for i in mine:  # the old state is kept and the records are retried
                status[i], batch.errors[i] = Status.FAILED, error
            return
        batch.state = result  # None keeps the carried state
        for i in mine:
            status[i] = Status.SUCCEEDED
        return
    try:
        _mark(batch, mine, result or (), record_id or (lambda i: ""))
    except (ValueError, TypeError) as exc:
        for i in mine:
            status[i], batch.errors[i] = Status.FAILED, exc


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
