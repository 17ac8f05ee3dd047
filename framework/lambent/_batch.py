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
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import anyio

from lambent._dispatch import DeadlineExceeded, Outcomes, Status, Work, run_batch
from lambent._inject import Slot
from lambent._logging import Logger
from lambent._routes import Route
from lambent.sources._base import SourceSpec

if TYPE_CHECKING:
    from lambent._app import App


class ReportedFailure(Exception):
    """The error of a record that a whole-batch handler reported as failed."""


def _is_batch_route(route: Route) -> bool:
    return Slot.ITEMS in route.plan.wants or route.options.window


async def _call_batch(route: Route, mine: list[Work], ev: Any, context: Any, log: Logger) -> Any:
    kw: dict[str, Any] = {}
    items = [w.item for w in mine]
    for p in route.plan.params:
        if p.slot is Slot.ITEMS:
            kw[p.name] = items
        elif p.slot is Slot.STATE:
            kw[p.name] = dict(getattr(ev, "state", None) or {})
        elif p.slot is Slot.CONTEXT:
            kw[p.name] = context
        elif p.slot is Slot.EVENT:
            kw[p.name] = ev
        elif p.slot is Slot.LOGGER:
            kw[p.name] = log.bind(batch_size=len(items))
    fn = route.plan.fn
    if route.options.threaded and not route.plan.is_async:
        return await anyio.to_thread.run_sync(lambda: fn(**kw), abandon_on_cancel=True)
    result = fn(**kw)
    if inspect.isawaitable(result):
        result = await result
    return result


def _mark_reported(mine: list[Work], reported: Iterable[Any]) -> None:
    by_id = {w.item_id: w for w in mine}
    by_obj = {id(w.item): w for w in mine}
    for entry in reported:
        w = by_id.get(entry) if isinstance(entry, str) else by_obj.get(id(entry))
        if w is None:
            raise ValueError(
                f"the batch handler reported {entry!r}, which is not a record of its batch"
            )
        w.status = Status.FAILED
        w.error = ReportedFailure("reported failed by the batch handler")
    failed_keys = set()
    for w in mine:
        if w.status is Status.FAILED:
            if w.order_key is not None:
                failed_keys.add(w.order_key)
        elif w.order_key is not None and w.order_key in failed_keys:
            w.status = Status.SKIPPED
        else:
            w.status = Status.SUCCEEDED


async def run_whole_batches(
    app: App,
    spec: SourceSpec[Any, Any],
    ev: Any,
    works: Sequence[Work],
    routes: Sequence[Route],
    context: Any,
    log: Logger,
) -> Outcomes | None:
    """Run the whole-batch routes of this batch (None when it has none)."""
    batch_routes = [r for r in routes if _is_batch_route(r)]
    if not batch_routes:
        return None
    from lambent._handle import budget

    started = time.monotonic()
    limit = budget(app, context)
    state: Any = None
    for route in batch_routes:
        mine = [w for w in works if w.route is route and w.error is None]
        for w in mine:
            w.status = Status.STARTED
        remaining = None if limit is None else limit - (time.monotonic() - started)
        result: Any = None
        with anyio.move_on_after(math.inf if remaining is None else max(remaining, 0.0)) as scope:
            try:
                result = await _call_batch(route, mine, ev, context, log)
            except Exception as exc:
                for w in mine:
                    w.status, w.error = Status.FAILED, exc
                continue
        if scope.cancelled_caught:
            for w in mine:
                w.status, w.error = Status.CANCELLED, DeadlineExceeded("cancelled at the deadline")
            continue
        if route.options.window:
            state = result
            for w in mine:
                w.status = Status.SUCCEEDED
        else:
            try:
                _mark_reported(mine, result or ())
            except (ValueError, TypeError) as exc:
                for w in mine:
                    w.status, w.error = Status.FAILED, exc
    rest = [w for w in works if w.status is Status.PENDING]
    remaining = None if limit is None else limit - (time.monotonic() - started)
    if rest:
        concurrency = min((r.options.concurrency or app.concurrency) for r in routes)
        await run_batch(rest, concurrency=concurrency, budget=remaining)
    outcomes = Outcomes(works, started)
    outcomes.duration = time.monotonic() - started
    outcomes.state = state
    return outcomes
