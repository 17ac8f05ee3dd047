"""One invocation: detect -> bind context -> decode -> route -> run -> render -> log.

Every kind of event takes this path, in this module, and never comes back to it:

1. **detect**: the registry (:mod:`lambent.sources`) names the event's source, or none
   (a direct invocation);
2. **bind context**: request id, function name, cold start and source go into the log
   context for the invocation;
3. the web router (:mod:`lambent.http`) answers the events of ``response="http"``
   sources; direct invocations go to :mod:`lambent._direct`; every other event is a batch
   of items (one item for single events):
4. **decode** (:mod:`lambent._events`), **route** (:mod:`lambent._routing`), apply the
   ordering policy (:mod:`lambent._ordering`), **run** (:mod:`lambent._dispatch`: per-record
   and whole-batch units, each call run by :mod:`lambent._run`) under the deadline
   (:mod:`lambent._deadline`), then **log** each failure once and **render** the response
   (:mod:`lambent._outcomes`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from lambent import sources
from lambent._deadline import DeadlineExceeded, budget
from lambent._dispatch import Batch, Status, run_batch
from lambent._errors import HandlerError, LambentError, RoutingError, describe
from lambent._events import decode_event, event_items
from lambent._fast import FAST, MISS, Pending
from lambent._inject import qualname
from lambent._logging import Logger, emit, invocation_logger, unbind_invocation
from lambent._observe import (
    Observation,
    guard,
    measured,
    observe,
    refuse_held,
    settle,
    trace_runners,
)
from lambent._ordering import apply as apply_ordering
from lambent._outcome_log import log_outcomes
from lambent._outcomes import Ids, encode_firehose_results, render, trace_outcomes, write_metrics
from lambent._routing import route_batch, route_raw
from lambent._run import is_cancellation
from lambent.sources._base import Outcome
from lambent.sources._bytes import ANY_KEY
from lambent.sources._response import response_rules

if TYPE_CHECKING:
    from lambent._app import App
    from lambent.sources import EventSource


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """What batch hooks receive: the source, the items, and (after) the outcome counts."""

    source: str
    items: Sequence[Any]
    context: Any
    counts: Mapping[str, int] = field(default_factory=dict)
    failed_ids: Sequence[str] = ()
    duration: float = 0.0


async def handle(
    app: App, event: Any, context: Any, decoded: tuple[EventSource, Any] | None = None
) -> Any:
    """The function's result for one event (or the error that fails the invocation).

    ``decoded``: the event's source and its Struct, already decoded from the invocation's
    bytes (:func:`handle_bytes`); ``event`` is then ``None``."""
    cold, app._cold = app._cold, False
    try:
        spec = sources.spec_for(event) if decoded is None else decoded[0]
    except RoutingError as exc:  # a source's detector raised: the invocation fails, logged
        log, tokens = invocation_logger(
            "lambent", invocation_values(app, context, exc.source, cold)
        )
        invocation_failed(log, exc)
        unbind_invocation(tokens)
        raise
    kind = "direct" if spec is None else spec.kind
    log, tokens = invocation_logger("lambent", invocation_values(app, context, kind, cold))
    try:
        ev = None if decoded is None else decoded[1]
        if app.metrics is None and app.tracing is None:
            return await _route(app, spec, event, context, log, ev, None)
        http = spec is not None and response_rules(spec).web
        with observe(app, kind, context, cold, http=http) as obs:
            return await _route(app, spec, event, context, log, ev, obs)
    finally:
        unbind_invocation(tokens)


def invocation_values(app: App, context: Any, kind: str, cold: bool) -> dict[str, Any]:
    """What an invocation binds into the log context."""
    return {
        "aws_request_id": getattr(context, "aws_request_id", None),
        "function_name": getattr(context, "function_name", app.name),
        "cold_start": cold,
        "source": kind,
    }


async def _route(
    app: App,
    spec: EventSource | None,
    event: Any,
    context: Any,
    log: Logger,
    ev: Any,
    obs: Observation | None,
) -> Any:
    if spec is None:
        from lambent._direct import handle_direct

        answer = handle_direct(app, event, context, log)  # logs its own failure
        return await (answer if obs is None else measured(app, "direct", obs, answer))
    try:
        if response_rules(spec).web:
            web = app._web_dispatch(spec, event, context, log)
            return await (web if obs is None else measured(app, spec.kind, obs, web, http=True))
        return await handle_records(app, spec, event, context, log, ev, obs)
    except LambentError as exc:
        invocation_failed(log, exc)
        raise


def invocation_failed(log: Logger, exc: LambentError) -> None:
    """The line of an invocation that fails with one of lambent's errors."""
    emit(log.error, "invocation failed", error=str(exc), error_type=type(exc).__name__)


async def _hooks(hooks: list[Callable[..., Any]], info: BatchInfo, log: Logger, when: str) -> None:
    """Run the batch hooks of ``when`` in order. A ``before_batch`` hook that raises fails
    the invocation before any record runs (a :class:`HandlerError` naming it: Lambda
    delivers the batch again); an ``after_batch`` hook's failure is logged and the batch's
    outcomes stand (its records ran: failing now would run them all again)."""
    for hook in hooks:
        try:
            result = hook(info)
            if inspect.isawaitable(result):
                await result
        except BaseException as exc:
            if is_cancellation(exc):
                raise
            name = qualname(hook)
            if when == "before_batch":
                raise HandlerError(name, f"{when} hook raised {describe(exc)}") from exc
            emit(log.error, f"{when} hook failed", hook=name, error=describe(exc), exc_info=exc)


async def handle_records(
    app: App,
    spec: EventSource,
    event: Any,
    context: Any,
    log: Logger,
    decoded: Any = None,
    obs: Observation | None = None,
) -> Any:
    """A batch (or single event) of a record source, decoded, routed, run and rendered
    (``decoded``: the event Struct, already decoded from bytes)."""
    kind = spec.kind
    lean = kind in app._lean_kinds
    ev: Any = decoded
    raw = None
    if decoded is None and lean and FAST.raw_records:
        aged = obs is not None and app.metrics is not None
        raw = route_raw(app.routes, spec, event, context, log, aged=aged)
    first = None  # when the oldest record entered its source: read while the records are warm
    if raw is not None:  # one route, no ordering: the runtime's dicts are read as they are
        batch, route, first = raw
        used = [route]
        strict = False  # a raw batch's route takes its records one by one
        concurrency = route.options.concurrency or app.concurrency
        ids = Ids(spec, batch, spec.raw.record_id if spec.raw is not None else None)
    else:
        if decoded is None:
            ev, batch = decode_event(spec, event, lean=lean)
        else:
            batch = Batch(list(event_items(spec, decoded)))
        try:
            used = route_batch(app.routes, spec, event, ev, batch, context, log)
        except RoutingError:
            if spec.answer is None:
                raise
            used = []  # every item failed to route: the source still answers
        strict = apply_ordering(spec, ev, batch, used) == "strict"
        concurrency = min(
            (r.options.concurrency or app.concurrency for r in used), default=app.concurrency
        )
        ids = Ids(spec, batch)
    if raw is None and obs is not None and app.metrics is not None:
        oldest = spec.oldest
        first = oldest(batch.items) if oldest is not None and len(batch) else None
    hooks = app._registry
    if hooks.before_batch:  # before any record is claimed: failing here keeps nothing
        await _hooks(hooks.before_batch, BatchInfo(kind, batch.items, context), log, "before_batch")
    guarded = None
    if app.idempotency is not None and any(r.options.keyed for r in used):
        raw_view = spec.raw if raw is not None else None
        payload_of = raw_view.payload if raw_view is not None else spec.payload
        guarded = await guard(app.idempotency, spec, batch, ids, payload_of, context)
    trace = None if obs is None else obs.trace
    if trace is not None:
        trace_runners(trace, spec, batch, ids, raw is not None)
    limit = budget(context, app.deadline_margin + spec.reserve)
    await run_batch(
        batch, concurrency=concurrency, budget=limit, strict_order=strict, record_id=ids.record
    )
    if guarded is not None:
        await settle(guarded, batch)
    if response_rules(spec).item_results:
        encode_firehose_results(batch)
    counts = log_outcomes(log, batch, ids)
    if obs is not None:
        if app.metrics is not None:
            write_metrics(
                app.metrics,
                kind,
                batch,
                cold=obs.cold,
                started=obs.started,
                oldest=first,
                counts=counts,
            )
        if trace is not None:
            trace_outcomes(trace, batch, ids)
    if hooks.after_batch:
        failed = [ids.record(i) for i in batch.failed()]
        summary = counts if counts is not None else batch.summary()
        info = BatchInfo(kind, batch.items, context, summary, failed, batch.duration)
        await _hooks(hooks.after_batch, info, log, "after_batch")
    try:
        if spec.answer is not None:
            if guarded is not None:
                refuse_held(guarded, batch)
            result = spec.answer(_outcome(event, ev, batch, context))
            return await result if inspect.isawaitable(result) else result
        return render(spec, event, ev, batch, ids, counts)
    finally:
        # a failed record's error holds its traceback, whose frames (the run loop's among
        # them) hold the batch: dropped now, or that cycle would keep the whole batch,
        # records and payloads, alive until the garbage collector runs
        batch.errors.clear()


def _outcome(event: Any, ev: Any, batch: Batch, context: Any) -> Outcome:
    """The outcomes of a batch, as a source's ``answer`` sees them."""
    errors: list[BaseException | None] = []
    for i, status in enumerate(batch.status):
        if status in (Status.SUCCEEDED, Status.DROPPED):
            errors.append(None)
        else:
            errors.append(
                batch.errors.get(i) or DeadlineExceeded("not started before the deadline")
            )
    runners = batch.runners
    return Outcome(
        event=event,
        decoded=ev,
        items=batch.items,
        results=[batch.results.get(i) for i in range(len(batch))],
        errors=errors,
        filters=[dict(r.route.filters) if r is not None and r.route else {} for r in runners],
        context=context,
    )


#: events up to this size are decoded into Python values once for detection (cheaper
#: than a probe and a second decode when they take the general path)
SMALL_EVENT = 16 * 1024


class NotJSON(ValueError):
    """The invocation's bytes are not JSON (msgspec's message says where)."""


def _from_bytes(app: App, spec: EventSource) -> bool:
    """Whether events of ``spec`` may skip the dicts: record sources whose response and
    routing read only the decoded Structs (no source unwrapped from their records; no
    ``answer``, which sees the event as it came)."""
    return response_rules(spec).from_structs and spec.answer is None and not app.routes.unwrappers


def _one_key_batch(app: App, body: bytes) -> tuple[EventSource, Any, Any] | None:
    """A large batch of one top-level key (``{"Records": [...]}``) detected from the head
    of its bytes and decoded in one pass (:func:`lambent.sources._bytes.head_probe`), with
    the route key all its items have (``ANY_KEY``: not known), or None (then the whole
    bytes are probed)."""
    import msgspec

    from lambent.sources._bytes import decode_only_key, head_probe

    shape = head_probe(body)
    if shape is None:
        return None
    try:
        spec = sources.spec_for(shape)
    except RoutingError:  # a detector raised on the head: the whole event is detected
        return None
    if spec is None or not _from_bytes(app, spec):
        return None
    items = next(iter(shape.values()))
    # only ids, payloads and route keys are read when nothing observes the batch
    bare = FAST.bare_records and app.metrics is None and app.tracing is None
    try:
        found = decode_only_key(spec, body, items[0] if items else None,
                                lean=spec.kind in app._lean_kinds, bare=bare)  # fmt: skip
    except msgspec.ValidationError:  # another key, or records that do not decode
        return None
    return None if found is None else (spec, *found)


async def _decoded(app: App, spec: EventSource, ev: Any, context: Any, key: Any) -> Any:
    """An event decoded from bytes into ``spec``'s Struct ``ev`` (every item of route key
    ``key``, unless it is ``ANY_KEY``): the app's compiled answer (:mod:`lambent._compiled`)
    when it takes it, else :func:`handle`."""
    compiled = app._fast_records
    if compiled is not None:
        out = compiled.decoded(spec, ev, context, key)
        if out is not MISS:
            return out
    return await handle(app, None, context, (spec, ev))


async def handle_bytes(app: App, body: bytes, context: Any, decoded: Any = None) -> Any:
    """One invocation from its JSON bytes (``lambent.runtime``).

    A large event's source is detected on a probe of the bytes
    (:func:`lambent.sources._bytes.probe`; a batch of one top-level key from the head of
    its bytes only) and a record event decodes straight into its Structs
    (``decode_bytes``); anything else (HTTP, Firehose, direct invocations, an
    event that does not decode as a whole, so that its bad records fail alone) takes the
    general path from Python values. A small event (up to :data:`SMALL_EVENT` bytes) is
    decoded once into Python values, which detection then reads whole (``decoded``:
    those values, when the caller decoded them already), unless it is a batch of one
    key the app has a compiled answer for (:mod:`lambent._compiled`): that one is read
    from its head as a large one, unless it decodes with the type the last such batch
    did (``Compiled.from_bytes``: its route key learned, no probe at all). Raises
    :class:`NotJSON` when the bytes are not JSON.
    """
    event: Any = None
    shape: Mapping[str, Any] | None
    small = len(body) <= SMALL_EVENT
    try:
        # a small batch too, when the app has a compiled answer for it: one decode, not two
        if (
            decoded is None
            and FAST.raw_bytes
            and FAST.head_probe
            and (not small or app._fast_records is not None)
        ):
            compiled = app._fast_records
            if compiled is not None:  # a batch of the route key the last one had?
                out = compiled.from_bytes(body, context)
                if out is not MISS:
                    return out
            found = _one_key_batch(app, body)
            if found is not None:
                return await _decoded(app, *found[:2], context, found[2])
        if decoded is not None or not FAST.raw_bytes or small:
            event = msgspec.json.decode(body) if decoded is None else decoded
            shape = event if isinstance(event, dict) else None
        else:
            from lambent.sources._bytes import probe

            shape = probe(body)
    except msgspec.DecodeError as exc:
        raise NotJSON(str(exc)) from None
    try:
        spec = sources.spec_for(shape) if shape is not None and FAST.raw_bytes else None
    except RoutingError:  # a detector raised: the whole event is detected (and it fails)
        spec = None
    if spec is not None and _from_bytes(app, spec):
        try:
            ev = spec.decode_bytes(body, lean=spec.kind in app._lean_kinds)
        except msgspec.ValidationError:
            pass
        else:
            return await _decoded(app, spec, ev, context, ANY_KEY)
    if event is None:
        event = msgspec.json.decode(body)
    fast = app._fast_http
    if fast is not None:  # an HTTP request of a loop-free app: see lambent.http._compiled
        # the source detected on the whole event is passed on (not one from a probe)
        detected = FAST.raw_bytes and shape is event
        out = fast(event, context, spec) if detected else fast(event, context)
        if out is not MISS:
            return await out.awaitable if type(out) is Pending else out
    return await handle(app, event, context)
