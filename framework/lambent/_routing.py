"""Routing a batch: every item gets its runner, or its routing error.

Items are matched by their source's route key; consecutive items with the same key
(one queue, one stream) reuse the previous answer, and the route table caches answers
by key. An item no route of its kind takes may still be taken by:

* a route of another kind the source falls back to (a scheduled event with no schedule
  route goes to an EventBridge route for ``aws.events`` / ``Scheduled Event``);
* routes of a source whose items it carries (S3 notifications inside an SQS body, an
  SNS message or an EventBridge event): the inner items run in order, as one unit.

Nothing here knows a particular source: it asks the event's source and the registry.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lambent._calls import make_call, payload_parts
from lambent._decode import DECODE_ERRORS, as_decode_error
from lambent._dispatch import Batch, Runner, Settle
from lambent._errors import DecodeError, RoutingError
from lambent._inject import Slot
from lambent._logging import Logger
from lambent._routes import Route

if TYPE_CHECKING:
    from lambent._routes import RouteTable
    from lambent.sources import EventSource

__all__ = ["route_batch"]


def _shown(key: Hashable) -> str:
    """A route key for messages: a plain string as it is, a tuple joined."""
    if isinstance(key, tuple):
        return " ".join(str(part) for part in key)
    return str(key)


def runner(route: Route, spec: EventSource | None, ev: Any, context: Any, log: Logger) -> Runner:
    """How the items of ``route`` run in this invocation."""
    plan, opts = route.plan, route.options
    whole = Slot.ITEMS in plan.wants or opts.window  # one unit for all the route's items
    settle: Settle | None = None
    if whole:
        from lambent._batch import settle as settle_whole
        from lambent._batch import whole_call

        call, settle = whole_call(plan, ev, context, log), settle_whole
    else:
        call = make_call(plan, spec, ev, context, log)
    return Runner(
        call=call,
        is_async=plan.is_async,
        threaded=opts.threaded and not plan.is_async,
        drop_on_decode_error=opts.on_decode_error == "drop",
        route=route,
        whole=whole,
        payload=None if whole or plan.is_async else payload_parts(plan, spec),
        settle=settle,
    )


class _Undecodable(Exception):
    """What ``item`` carries does not decode: ``error`` names the item and the field;
    ``drop``: every route of the carried source drops such items."""

    def __init__(self, error: DecodeError, drop: bool) -> None:
        self.error, self.drop = error, drop


def _inner_runner(
    routes: RouteTable, outer: EventSource, event: Any, item: Any, context: Any, log: Logger
) -> Runner | None:
    """A runner for the items of another source carried by ``item`` (None: it carries none
    that this app routes). Raises :class:`_Undecodable` when they do not decode."""
    for inner in routes.unwrappers:
        try:
            found = inner.unwrap(outer, event, item) if inner.unwrap is not None else None
        except DECODE_ERRORS as exc:
            error = as_decode_error(exc, outer.item_id(item))
            error.add_note(f"the {inner.kind} notification inside this {outer.kind} record")
            raise _Undecodable(error, _all_drop(routes, inner.kind)) from None
        if found is not None:
            return _unit_runner(routes, inner, found, context, log)
    return None


def _all_drop(routes: RouteTable, kind: str) -> bool:
    """Whether every route of ``kind`` drops items that do not decode (and it has one)."""
    own = routes.routes(kind)
    return bool(own) and all(route.options.on_decode_error == "drop" for route in own)


def _unit_runner(
    routes: RouteTable, spec: EventSource, items: Sequence[Any], context: Any, log: Logger
) -> Runner:
    """Run the routes of ``items`` (all of ``spec``) in order, as one unit."""
    steps: list[tuple[Any, Callable[[Any, int], Any]]] = []
    is_async = False
    for item in items:
        key = spec.route_key(None, item)
        route = routes.match(spec.kind, key)
        if route is None:
            raise RoutingError(spec.kind, {"route_key": _shown(key)})
        steps.append((item, make_call(route.plan, spec, None, context, log)))
        is_async = is_async or route.plan.is_async

    label = spec.item_label or spec.item_id

    async def call_async(item: Any, index: int) -> Any:
        for inner, step in steps:
            try:
                result = step(inner, index)
                if inspect.isawaitable(result):
                    await result
            except BaseException as exc:
                exc.add_note(f"while handling {label(inner)}")
                raise
        return None

    def call(item: Any, index: int) -> Any:
        for inner, step in steps:
            try:
                step(inner, index)
            except BaseException as exc:
                exc.add_note(f"while handling {label(inner)}")
                raise
        return None

    return Runner(call=call_async, is_async=True) if is_async else Runner(call=call)


def _drops(routes: RouteTable, spec: EventSource, event: Any, index: int) -> bool:
    """Whether item ``index``, which did not decode, is dropped rather than failed: its
    route says ``on_decode_error="drop"``, as when only its payload does not decode.

    Its route is the one of the route key the source's raw view reads from the raw
    record; when that cannot be read, it is dropped only if every route of the source
    drops (whichever it was meant for, that one would)."""
    raw, raw_items = spec.raw, spec.raw_items
    if raw is not None and raw_items is not None and isinstance(event, Mapping):
        try:
            route = routes.match(spec.kind, raw.route_key(raw_items(event)[index]))
        except (LookupError, TypeError, AttributeError, ValueError):
            pass  # no readable route key
        else:
            return route is not None and route.options.on_decode_error == "drop"
    return _all_drop(routes, spec.kind)


def route_raw(
    routes: RouteTable,
    spec: EventSource,
    event: Any,
    context: Any,
    log: Logger,
    *,
    aged: bool = False,
) -> tuple[Batch, Route, float | None] | None:
    """A batch of the event's raw records, all given one route's runner, when the source
    can read them raw (its ``raw`` view: one route key, no ordering) and that route runs
    plain handlers per record; else None (the event takes the general path). ``aged``:
    also when the oldest record entered its source (the raw view's ``oldest``, read in
    the records' own pass when the view can), else None."""
    raw = spec.raw
    if raw is None or spec.report_id is not None or spec.item_label is not None:
        return None
    first = None
    if aged and raw.aged is not None:
        checked = raw.aged(event)
        records, first = (None, None) if checked is None else checked
    else:
        records = raw.records(event)
        if aged and records and raw.oldest is not None:
            first = raw.oldest(records)
    if not records:
        return None
    route = routes.match(spec.kind, raw.route_key(records[0]))
    if route is None:
        return None
    # a payload-only handler's runner is made once (for a route that takes raw records)
    found = routes.memo.get(id(route))
    if found is None:
        plan, opts = route.plan, route.options
        if (
            plan.is_async
            or opts.threaded
            or opts.sequential
            or opts.window
            or Slot.ITEMS in plan.wants
        ):
            return None
        drop = opts.on_decode_error == "drop"
        parts = payload_parts(
            plan, spec, record_id=raw.record_id, payload_of=raw.payload, payload_key=raw.payload_key
        )
        call = make_call(
            plan, spec, None, context, log, record_id=raw.record_id, payload_of=raw.payload
        )
        found = Runner(call=call, drop_on_decode_error=drop, route=route, payload=parts)
        if parts is not None:
            routes.memo[id(route)] = found
    batch = Batch(records)
    batch.runners = [found] * len(records)
    return batch, route, first


def route_batch(
    routes: RouteTable,
    spec: EventSource,
    event: Any,
    ev: Any,
    batch: Batch,
    context: Any,
    log: Logger,
) -> list[Route]:
    """Give every item its runner (or its routing error); returns the routes used.

    Raises the routing error when no item at all has a route."""
    kind = spec.kind
    route_key, match, fallback = spec.route_key, routes.match, spec.fallback
    runners, items, status = batch.runners, batch.items, batch.status
    prepared: dict[int, Runner] = {}
    used: list[Route] = []
    unrouted = 0
    last_key: Hashable = object()
    last: Runner | None = None
    for i, item in enumerate(items):
        if status[i]:  # failed to decode
            if _drops(routes, spec, event, i):
                batch.fail(i, batch.errors[i], drop=True)
            continue
        key = route_key(ev, item)
        if key == last_key and last is not None:
            runners[i] = last
            continue
        route = match(kind, key)
        if route is None and fallback is not None:
            route = match(fallback[0], fallback[1](ev, item))
        if route is None:
            last = None
            try:
                inner = _inner_runner(routes, spec, event, item, context, log)
            except _Undecodable as exc:
                batch.fail(i, exc.error, drop=exc.drop)
                continue
            except RoutingError as exc:  # an inner item no route takes
                batch.fail(i, exc)
                continue
            if inner is not None:
                runners[i] = inner
                continue
            batch.fail(i, RoutingError(kind, {"route_key": _shown(key)}))
            unrouted += 1
            continue
        found = prepared.get(id(route))
        if found is None:
            found = prepared[id(route)] = runner(route, spec, ev, context, log)
            used.append(route)
        runners[i] = last = found
        last_key = key
    if items and unrouted == len(items):
        error = batch.errors[0]
        assert isinstance(error, RoutingError)
        raise error
    return used
