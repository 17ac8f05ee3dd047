"""Idempotency around one batch (or single event) of a record source.

:func:`guard` runs before the batch: it keys every record of an idempotent route (its
own id, or ``idempotency_key`` over its decoded payload), decides them from one read
of the store (an :class:`~lambent.idempotency.ImmediateStore` claims them in the same
step) and makes the routes run each key once:

* records already done succeed without running; a source whose result is the answer
  (direct invocations, EventBridge, the sources that answer themselves) gets the
  stored result back;
* records held elsewhere (or reused with other content) fail, and records after them
  in their FIFO group or partition key do not run;
* per-record routes on an awaited store claim, run and complete (or release) each key
  as the record runs; whole-batch routes get only the records still to do, claimed
  before the handler runs and settled after it.

:func:`settle` runs after the batch: claims completed (with the result to replay) or
released, by outcome. :func:`refuse_held` makes a self-answering source's invocation
fail when a record is in progress elsewhere, so that it is retried rather than answered.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from lambent._decode import (
    DECODE_ERRORS,
    as_decode_error,
    build_decoder,
    custom_classes,
    decode_absent,
    reads_absent,
)
from lambent._dispatch import Batch, Runner, Status
from lambent._errors import ConfigurationError, DecodeError, HandlerError, describe
from lambent._pydantic import model_value
from lambent.idempotency._guard import (
    IdempotencyError,
    InProgressError,
    KeyGroup,
    RecordGuard,
    Verdict,
    fingerprint,
    key_text,
)
from lambent.idempotency._store import IdempotencyStore, ImmediateStore
from lambent.sources._response import response_rules

if TYPE_CHECKING:
    from lambent._outcomes import Ids
    from lambent._routes import Route
    from lambent.sources import EventSource

#: the outcome whose key is kept as done: the record ran and succeeded. A record dropped
#: because it did not decode (``on_decode_error="drop"``) keeps nothing: its redelivery
#: is decoded and dropped again, on every path and with every store
KEPT = frozenset((Status.SUCCEEDED,))

#: (scope, id, fingerprint) of a record, or why it has none
Keyed = tuple[str, str, str] | BaseException

_encode = msgspec.msgpack.Encoder(decimal_format="number", enc_hook=model_value).encode
_plain = msgspec.msgpack.Decoder().decode
_decoders: dict[Any, Callable[[bytes], Any]] = {}


def result_decoder(route: Route) -> Callable[[bytes], Any]:
    """How a stored result of ``route`` is read back: as the handler's return annotation
    (a Struct comes back as that Struct, a pydantic model as that model), or as plain
    values when it has none lambent can decode into."""
    found = _decoders.get(route)
    if found is None:
        try:
            hint = typing.get_type_hints(route.plan.fn).get("return", Any)
            found = msgspec.msgpack.Decoder(hint).decode
            if custom_classes(hint):  # a pydantic model: its values validated by it
                convert = build_decoder(hint, "python", route.plan.name)
                found = lambda data: convert(_plain(data))  # noqa: E731
        except (TypeError, NameError, AttributeError, ConfigurationError):
            found = _plain
        _decoders[route] = found
    return found


def encode_result(route: Route | None, value: Any) -> bytes:
    """A handler's result as stored with its key; raises HandlerError when it cannot be."""
    try:
        return _encode(value)
    except (TypeError, ValueError, OverflowError) as exc:
        name = route.plan.name if route is not None else "handler"
        raise HandlerError(
            name, f"returned a value the idempotency store cannot keep: {describe(exc)}"
        ) from exc


def _keyer(
    runner: Runner, ids: Ids, payload_of: Callable[[Any], Any] | None
) -> Callable[[Any, int], Keyed] | None:
    """How a route's records get their (scope, id, content fingerprint), or why one has
    none; ``None`` for a route that is not keyed. Built once per route and batch."""
    route = runner.route
    if route is None or not route.options.keyed:
        return None
    scope = route.plan.name
    key_of = route.options.idempotency_key
    if key_of is None:  # the record's own id: unique per delivery, its content is moot
        item_id = ids.item_id
        return lambda item, index: (scope, item_id(item), "")
    payload = route.plan.payload
    decoder = payload.decoder if payload is not None else None

    def business(item: Any, index: int) -> Keyed:
        try:  # the decode guard: base64 data and DynamoDB images inside it
            raw = payload_of(item) if payload_of is not None else item
            if decoder is not None:
                absent = raw is None and not reads_absent(decoder)
                value = decode_absent(decoder) if absent else decoder(raw)
            else:
                value = raw
        except BaseException as exc:  # else the payload type's own code (a __post_init__)
            if not isinstance(exc, DECODE_ERRORS):
                return exc
            return as_decode_error(exc, ids.record(index))
        try:
            return scope, key_text(key_of(value), scope), fingerprint(raw)
        except BaseException as exc:  # the key function's failure: the record's
            return exc

    return business


class Guarded:
    """What :func:`guard` decided for one batch, for :func:`settle`."""

    __slots__ = ("answers", "guard", "immediate", "results", "whole")

    def __init__(self, guard: RecordGuard, immediate: bool, results: bool, answers: bool) -> None:
        self.guard = guard
        self.immediate = immediate
        #: the source's answer is built from the records' results: store and replay them
        self.results = results
        #: the source answers itself (a record held elsewhere fails the invocation)
        self.answers = answers
        #: records of whole-batch routes claimed one by one (awaited stores)
        self.whole: list[int] = []


def _groups(
    batch: Batch, ids: Ids, payload_of: Callable[[Any], Any] | None
) -> dict[str, tuple[list[int], list[str], list[str]]] | KeyGroup | None:
    """The batch's keyed records by scope (index, id, fingerprint); one :class:`KeyGroup`
    for the common batch: one route keyed by the records' own ids."""
    status, runners, items = batch.status, batch.runners, batch.items
    only = runners[0] if runners and runners.count(runners[0]) == len(runners) else None
    route = None if only is None else only.route
    if route is not None and route.options.idempotent and route.options.idempotency_key is None:
        item_id = ids.item_id
        if not any(status):  # built in C: a few microseconds for a thousand records
            return KeyGroup(route.plan.name, None, list(map(item_id, items)))
        indices = [i for i, s in enumerate(status) if not s]  # some did not decode
        return KeyGroup(route.plan.name, indices, [item_id(items[i]) for i in indices])
    groups: dict[str, tuple[list[int], list[str], list[str]]] = {}
    keyers: dict[int, Callable[[Any, int], Keyed] | None] = {}
    for i, runner in enumerate(runners):
        if runner is None or status[i]:
            continue
        try:
            keyer = keyers[id(runner)]
        except KeyError:
            keyer = keyers[id(runner)] = _keyer(runner, ids, payload_of)
        if keyer is None:
            continue
        found = keyer(items[i], i)
        if isinstance(found, BaseException):  # a payload that does not decode: as a run's
            batch.fail(
                i, found, drop=runner.drop_on_decode_error and isinstance(found, DecodeError)
            )
            continue
        scope, key, fp = found
        indices, keys, fps = groups.setdefault(scope, ([], [], []))
        indices.append(i)
        keys.append(key)
        fps.append(fp)
    return groups or None


async def guard(
    store: IdempotencyStore,
    spec: EventSource,
    batch: Batch,
    ids: Ids,
    payload_of: Callable[[Any], Any] | None,
    expires_at: float,
) -> Guarded | None:
    """Decide the keyed records of ``batch`` and make their runners run each key once
    (see the module docstring); ``None`` when no record is keyed."""
    found = _groups(batch, ids, payload_of)
    if found is None:
        return None
    record_guard = RecordGuard(store, expires_at=expires_at)
    immediate = isinstance(store, ImmediateStore)
    results = (
        response_rules(spec).single_result or spec.answer is not None or spec.result is not None
    )
    guarded = Guarded(record_guard, immediate, results, spec.answer is not None)
    if isinstance(found, KeyGroup):
        groups = [found]
    else:
        groups = [
            KeyGroup(scope, indices, keys, None if not any(fps) else fps)
            for scope, (indices, keys, fps) in found.items()
        ]
    if isinstance(store, ImmediateStore):  # claimed now, settled after the run: no wrapper
        verdicts = record_guard.claim_now(store, groups)
    else:
        verdicts = await record_guard.prepare(
            {
                g.index(j): (f"{g.scope}#{key}", g.fingerprint(j))
                for g in groups
                for j, key in enumerate(g.ids)
            }
        )
    _apply(batch, record_guard, verdicts, results)
    if not immediate:
        await _claim_whole(batch, guarded)
        _wrap_records(batch, record_guard, results)
    _skip_after_held(batch)
    return guarded


def _apply(
    batch: Batch, record_guard: RecordGuard, verdicts: dict[int, Verdict], results: bool
) -> None:
    status = batch.status
    for i, verdict in verdicts.items():
        if verdict is Verdict.DONE:
            status[i] = Status.SUCCEEDED
            stored = record_guard.replayed.get(i)
            runner = batch.runners[i]
            if results and stored is not None and runner is not None and runner.route:
                batch.results[i] = result_decoder(runner.route)(stored)
        elif verdict is not Verdict.RUN:
            batch.fail(i, record_guard.error(i, verdict))


async def _claim_whole(batch: Batch, guarded: Guarded) -> None:
    """Records of whole-batch routes still to do: claimed before their handler runs."""
    status, keys = batch.status, guarded.guard.keys
    whole = [
        i
        for i, r in enumerate(batch.runners)
        if r is not None and r.whole and i in keys and status[i] == Status.PENDING
    ]
    if not whole:
        return
    verdicts = await guarded.guard.claim_each(whole)
    _apply(batch, guarded.guard, verdicts, guarded.results)
    guarded.whole = [i for i in whole if i not in verdicts]


def _wrap_records(batch: Batch, record_guard: RecordGuard, results: bool) -> None:
    """Per-record routes on an awaited store: each record claims, runs and completes."""
    from lambent._observe import replace_runners, through

    def keyed(runner: Runner) -> Runner | None:
        route = runner.route
        if route is None or not route.options.keyed or runner.whole:
            return None
        run = through(runner)
        encode = (lambda value: encode_result(route, value)) if results else None
        decode = result_decoder(route) if results else None

        async def call(item: Any, index: int) -> Any:
            if index not in record_guard.keys:
                return await run(item, index)
            return await record_guard.run(
                index, lambda: run(item, index), encode=encode, decode=decode
            )

        return msgspec.structs.replace(runner, call=call, is_async=True, threaded=False)

    replace_runners(batch, keyed)


def _skip_after_held(batch: Batch) -> None:
    """Whole-batch routes of ordered sources: records after one that failed before the
    run (held elsewhere, reused, not keyed) in its FIFO group or partition key are not
    given to the handler (per-record routes: the dispatcher's ordering does this)."""
    keys = batch.keys
    if keys is None:
        return
    status, runners = batch.status, batch.runners
    failed: set[Hashable] = set()
    for i, key in enumerate(keys):
        runner = runners[i]
        if key is None or runner is None or not runner.whole:
            continue
        if status[i] == Status.FAILED:
            failed.add(key)
        elif key in failed and status[i] == Status.PENDING:
            status[i] = Status.SKIPPED


async def settle(guarded: Guarded, batch: Batch) -> None:
    """After the run: claims completed (with the result to replay) or released."""
    record_guard, status = guarded.guard, batch.status
    responses = _encoded(guarded, batch) if guarded.results else None
    if guarded.immediate:
        record_guard.settle_now(status, KEPT, None if responses is None else responses.get)
    elif guarded.whole:
        await record_guard.settle_each(
            guarded.whole, status, KEPT, None if responses is None else responses.get
        )


def _encoded(guarded: Guarded, batch: Batch) -> dict[int, bytes]:
    """The results to store of the records that succeeded (immediate stores and
    whole-batch routes; per-record runs store their own); a result that cannot be
    stored fails its record."""
    status, results, runners = batch.status, batch.results, batch.runners
    claimed: Sequence[int] = guarded.whole
    if guarded.immediate:
        groups = guarded.guard.groups
        claimed = [g.index(j) for g in groups for j in range(len(g.ids))]
    encoded: dict[int, bytes] = {}
    for i in claimed:
        if status[i] != Status.SUCCEEDED or i in guarded.guard.replayed:
            continue
        runner = runners[i]
        try:
            encoded[i] = encode_result(runner.route if runner else None, results.get(i))
        except HandlerError as exc:
            batch.fail(i, exc)
    return encoded


def refuse_held(guarded: Guarded, batch: Batch) -> None:
    """A source that answers itself (Cognito, AppSync, CloudFormation, S3 Batch, Bedrock
    agents): a record in progress elsewhere fails the invocation with its
    :class:`InProgressError`, so that it is retried instead of answered as failed."""
    if not guarded.answers:
        return
    for i in batch.failed():
        error = batch.errors.get(i)
        if isinstance(error, InProgressError):
            raise error


async def guard_direct(
    store: IdempotencyStore, route: Route, batch: Batch, event: Any, context: Any
) -> Guarded:
    """:func:`guard` for a direct invocation (a batch of one): keyed by the invocation's
    request id (Lambda keeps it when it retries an asynchronous invocation) or by
    ``idempotency_key`` over the decoded payload. A key done before gives its stored
    result without running; one in progress elsewhere fails the record with
    :class:`InProgressError` (the invocation fails, and is retried)."""
    from lambent._observe import deadline_epoch

    key_of = route.options.idempotency_key
    scope = route.plan.name
    fps: list[str] | None = None
    if key_of is None:
        request_id = getattr(context, "aws_request_id", None)
        if not isinstance(request_id, str) or not request_id:
            raise IdempotencyError(
                f"{scope}: idempotent=True keys a direct invocation by its request id, "
                "and this invocation has none; give idempotency_key=...",
                scope,
            )
        key = request_id
    else:
        payload = route.plan.payload
        value = event if payload is None or payload.decoder is None else payload.decoder(event)
        key, fps = key_text(key_of(value), scope), [fingerprint(event)]
    group = KeyGroup(scope, None, [key], fps)
    record_guard = RecordGuard(store, expires_at=deadline_epoch(context))
    guarded = Guarded(record_guard, isinstance(store, ImmediateStore), True, False)
    if isinstance(store, ImmediateStore):
        verdicts = record_guard.claim_now(store, [group])
    else:
        verdicts = await record_guard.prepare({0: (f"{scope}#{key}", group.fingerprint(0))})
    _apply(batch, record_guard, verdicts, True)
    if not guarded.immediate:
        _wrap_records(batch, record_guard, True)
    return guarded
