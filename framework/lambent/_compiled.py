"""Record batches of loop-free apps answered by plain functions (``lambent._fast``:
``compiled_records``), made when the app is frozen.

Two roads, one finish:

* :attr:`Compiled.raw`: the pipeline's raw road (:func:`lambent._routing.route_raw`: one
  route takes an unordered batch read straight from the runtime's dicts);
* :attr:`Compiled.decoded`: a batch already decoded from the invocation's bytes into the
  source's Structs (``lambent.runtime``; :func:`lambent._pipeline.handle_bytes`), when
  every item has the same route key and the batch needs no ordering.

Both without the general machinery: no coroutine per step, no tracing, hook or
idempotency checks (an app that has any of them gets no compiled answer), and the same
steps as the general path in the same order — detect, bind the log context, route, run
under the deadline, log each failure once, write the dispatcher's metrics when the app
has them (the same document, through the same :func:`lambent._observe.observe` and
:func:`lambent._outcomes.write_metrics`), render. Everything else returns
:data:`lambent._fast.MISS` before any user code runs, and
:func:`lambent._pipeline.handle` answers it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from lambent import sources
from lambent._deadline import budget
from lambent._dispatch import Batch, Runner
from lambent._errors import EventDecodeError, LambentError, RoutingError
from lambent._events import event_items
from lambent._fast import FAST, MISS, counted
from lambent._inject import Slot
from lambent._inline import run_plain
from lambent._logging import invocation_logger, unbind_invocation
from lambent._observe import observe
from lambent._outcome_log import log_outcomes
from lambent._outcomes import Ids, render, write_metrics
from lambent._pipeline import SMALL_EVENT, invocation_failed, invocation_values
from lambent._routing import route_raw, runner
from lambent.sources._bytes import ANY_KEY, decode_struct, only_key
from lambent.sources._response import response_rules

if TYPE_CHECKING:
    from lambent._app import App
    from lambent._routes import Route
    from lambent.sources import EventSource


class Compiled(NamedTuple):
    """The compiled answers of one app (each returns ``MISS`` for what it does not take)."""

    #: ``raw(event, context)``: an event as the managed runtime hands it over (dicts)
    raw: Callable[[Any, Any], Any]
    #: ``decoded(spec, ev, context, key)``: ``spec``'s event Struct ``ev``, decoded from
    #: bytes, every item of route key ``key`` (``lambent.sources._bytes.ANY_KEY``: not known)
    decoded: Callable[[EventSource, Any, Any, Any], Any]
    #: ``from_bytes(body, context)``: the invocation's bytes of a batch of the route key
    #: the last one decoded with ``SourceSpec.bare_keyed`` had (by :attr:`decoded`),
    #: decoded with the same type straight away (``lambent._fast``: ``learned_keys``)
    from_bytes: Callable[[bytes, Any], Any]


def compile_records(app: App) -> Compiled | None:
    """The compiled answers to record batches of ``app``, or None when it cannot have
    them (an event loop, tracing, idempotency or batch hooks; no lean kind)."""
    registry = app._registry
    if (
        not app._lean_kinds
        or app.tracing is not None
        or app.idempotency is not None
        or registry.before_batch
        or registry.after_batch
        or not app._needs_no_loop()
    ):
        return None
    lean, routes, spec_for, metrics = app._lean_kinds, app.routes, sources.spec_for, app.metrics
    #: per route: the runner of its Struct items, when it holds nothing of one invocation
    made: dict[int, Runner] = {}

    def takes(spec: EventSource) -> bool:
        return not (
            spec.kind not in lean or spec.answer is not None or response_rules(spec).item_results
        )

    def bound(spec: EventSource, context: Any, run: Callable[..., Any], *args: Any) -> Any:
        """``run(*args, context, log, cold, obs)`` inside the invocation's log context (and
        its metrics' observation), as :func:`lambent._pipeline.handle` runs the general
        path."""
        kind = spec.kind
        cold = app._cold
        values = invocation_values(app, context, kind, cold)
        log, tokens = invocation_logger("lambent", values)
        try:
            if metrics is None:
                return run(*args, context, log, cold, None)
            with observe(app, kind, context, cold) as obs:
                return run(*args, context, log, cold, obs)
        except LambentError as exc:
            invocation_failed(log, exc)
            raise
        finally:
            unbind_invocation(tokens)

    def raw(event: Any, context: Any) -> Any:
        try:
            spec = spec_for(event)
        except RoutingError:  # a source's detector raised: the general path fails it
            return MISS
        if spec is None or spec.raw is None or not takes(spec):
            return MISS
        return bound(spec, context, run_raw, spec, event)

    def run_raw(spec: Any, event: Any, context: Any, log: Any, cold: bool, obs: Any) -> Any:
        found = route_raw(routes, spec, event, context, log, aged=obs is not None)
        if found is None:
            return MISS
        app._cold = False
        batch, _, first = found
        ids = Ids(spec, batch, spec.raw.record_id)
        return finish(spec, batch, ids, first, event, None, context, log, obs)

    def decoded(spec: EventSource, ev: Any, context: Any, key: Any) -> Any:
        if not takes(spec) or (
            spec.order_key is not None and (spec.ordered is None or spec.ordered(ev))
        ):
            return MISS
        items = _items(spec, ev)
        route = None if items is None else one_route(spec, ev, items, key)
        if route is None:
            return MISS
        if key is not ANY_KEY:  # decoded with the source's ``bare_keyed`` type
            learn(spec, key, route)
        return bound(spec, context, run_decoded, spec, ev, items, route)

    def one_route(spec: EventSource, ev: Any, items: Sequence[Any], key: Any) -> Route | None:
        """The route every item goes to, when they all have one route key (``key``, when
        the decode made sure of it) and it takes them one by one with a plain handler (as
        :func:`lambent._routing.route_batch` would give each the same runner, in no order
        group)."""
        if not items:
            return None
        if key is ANY_KEY:
            keys = list(map(spec.route_key, repeat(ev), items))
            key = keys[0]
            if keys.count(key) != len(keys):
                return None
        route = routes.match(spec.kind, key)
        if route is None:
            return None
        plan, opts = route.plan, route.options
        if plan.is_async or opts.threaded or opts.sequential or opts.window:
            return None
        return None if Slot.ITEMS in plan.wants else route

    def run_decoded(spec: Any, ev: Any, items: Sequence[Any], route: Route, context: Any,
                    log: Any, cold: bool, obs: Any) -> Any:  # fmt: skip
        app._cold = False
        found = made.get(id(route))
        if found is None:
            found = runner(route, spec, ev, context, log)
            if found.payload is not None:  # a payload-only call: the same every invocation
                made[id(route)] = found
        batch = Batch(items)
        batch.runners = [found] * len(items)
        first = None  # when the oldest record entered its source, as the general path reads it
        oldest = spec.oldest if obs is not None else None
        if oldest is not None:
            first = oldest(items)
        return finish(spec, batch, Ids(spec, batch), first, None, ev, context, log, obs)

    def finish(spec: Any, batch: Batch, ids: Ids, first: float | None, event: Any, ev: Any,
               context: Any, log: Any, obs: Any) -> Any:  # fmt: skip
        limit = budget(context, app.deadline_margin + spec.reserve)
        run_plain(batch, limit, used={batch.runners[0]})  # one runner for every record
        counts = log_outcomes(log, batch, ids)
        if obs is not None:
            assert metrics is not None
            write_metrics(metrics, spec.kind, batch, cold=obs.cold, started=obs.started,
                          oldest=first, counts=counts)  # fmt: skip
        response = render(spec, event, ev, batch, ids, counts)
        # logged and answered: a handler's exception holds its traceback, whose frames hold
        # the batch that holds the exception, a cycle only the garbage collector would free
        # (and a full collection scans the whole heap): freed now, by reference counting
        batch.errors.clear()
        return response

    #: the source and route key of the last batch of one key decoded with the source's
    #: ``bare_claim`` type (closed to its one top-level key), the registry's generation
    #: then, and the key's route
    learned: list[tuple[EventSource, Any, Any, int, Route]] = []

    def learn(spec: EventSource, key: Any, route: Route) -> None:
        """Keep ``spec``'s ``bare_claim`` type for ``key`` when nothing is asked before
        ``spec`` about an event with only that type's one key."""
        generation = sources.generation()
        if learned and learned[0][1] == key and learned[0][3] == generation:
            return
        claim: Any = spec.bare_claim(key) if spec.bare_claim is not None else None
        closed = None if claim is None else only_key(claim)
        if closed is None:
            return
        [field] = closed.__struct_encode_fields__
        if sources.first_claimant(spec, field):
            learned[:] = [(spec, key, closed, generation, route)]

    def from_bytes(body: bytes, context: Any) -> Any:
        """A small batch whose bytes decode with the learned type: the event the head
        probe would detect and ``decode_only_key`` give (its items of the learned key),
        whose route (and the rest :attr:`decoded` checks) is known already. Else MISS
        (a large batch reads the head of its bytes: a fraction of its decode)."""
        fast = FAST  # its own switch, and those of the road it stands in for
        if not (
            learned
            and len(body) <= SMALL_EVENT
            and fast.learned_keys
            and fast.bare_records
            and fast.head_probe
            and fast.raw_bytes
        ):
            return MISS
        spec, _, closed, generation, route = learned[0]
        if generation != sources.generation():
            return MISS
        try:
            ev = decode_struct(closed, body)
        except msgspec.DecodeError:  # another key, another source, or not JSON
            return MISS
        items = _items(spec, ev)
        # an empty batch is no source's (detection reads its first item)
        if not items or (spec.ordered is not None and spec.ordered(ev)):
            return MISS
        return bound(spec, context, run_decoded, spec, ev, items, route)

    return Compiled(
        counted("compiled raw", raw),
        counted("compiled decoded", decoded),
        counted("compiled learned", from_bytes),
    )


def _items(spec: EventSource, ev: Any) -> Sequence[Any] | None:
    """The items of ``ev``; None when the event does not decode (the general path fails it,
    and logs it, as it fails every such event)."""
    try:
        return event_items(spec, ev)
    except EventDecodeError:
        return None
