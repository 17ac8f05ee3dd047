"""One invocation: detect, decode, route, run, render. Called by ``App.dispatch``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from lambent import sources
from lambent._decode import DECODE_ERRORS, as_decode_error
from lambent._dispatch import Outcomes, Status, Work, run_batch
from lambent._errors import DecodeError, EventDecodeError, LambentError, RoutingError
from lambent._inject import HandlerPlan, Slot
from lambent._logging import Logger, bind_invocation, get_logger, unbind_invocation
from lambent._respond import batch_item_failures, firehose_records, raise_if_failed
from lambent._routes import Route
from lambent.sources._base import SourceSpec

if TYPE_CHECKING:
    from lambent._app import App

#: where the identifier of a raw record sits, for records that do not decode
_RAW_ID_PATHS: dict[str, tuple[str, ...]] = {
    "sqs": ("messageId",),
    "kinesis-stream": ("kinesis", "sequenceNumber"),
    "dynamodb-stream": ("dynamodb", "SequenceNumber"),
    "firehose": ("recordId",),
    "mq": ("messageID",),
    "sns": ("Sns", "MessageId"),
}


_ENVELOPE_ERRORS: tuple[type[Exception], ...] = (RoutingError, *DECODE_ERRORS)


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """What batch hooks receive: the source, the items, and (after) the outcome counts."""

    source: str
    items: Sequence[Any]
    context: Any
    counts: Mapping[str, int] = field(default_factory=dict)
    failed_ids: Sequence[str] = ()
    duration: float = 0.0


async def handle(app: App, event: Any, context: Any) -> Any:
    spec = sources.spec_for(event)
    kind = "direct" if spec is None else spec.kind
    cold, app._cold = app._cold, False
    tokens = bind_invocation(
        {
            "aws_request_id": getattr(context, "aws_request_id", None),
            "function_name": getattr(context, "function_name", app.name),
            "cold_start": cold,
            "source": kind,
        }
    )
    log = get_logger("lambent")
    try:
        if spec is None:
            from lambent._direct import handle_direct

            return await handle_direct(app, event, context, log)
        if spec.response == "http":
            return await app._web_dispatch(spec, event, context, log)
        return await handle_records(app, spec, event, context, log)
    except LambentError as exc:
        log.error("invocation failed", error=str(exc), error_type=type(exc).__name__)
        raise
    finally:
        unbind_invocation(tokens)


def _raw_wire_id(kind: str, raw: Any) -> Any:
    """Kafka reports records by topic-partition and offset, readable from the raw record."""
    if kind != "kafka" or not isinstance(raw, Mapping):
        return None
    topic, partition, offset = raw.get("topic"), raw.get("partition"), raw.get("offset")
    if not isinstance(topic, str) or not isinstance(partition, int) or not isinstance(offset, int):
        return None
    return {"partition": f"{topic}-{partition}", "offset": offset}


def _raw_id(kind: str, raw: Any) -> str | None:
    wire = _raw_wire_id(kind, raw)
    if wire is not None:
        return f"{wire['partition']}:{wire['offset']}"
    value: Any = raw
    for part in _RAW_ID_PATHS.get(kind, ()):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value if isinstance(value, str) and value and value is not raw else None


def _decode(spec: SourceSpec[Any, Any], event: Any) -> tuple[Any, list[Any], dict[int, Work]]:
    """The event Struct and its items; undecodable records become failed works (by index)."""
    try:
        ev = msgspec.convert(event, spec.event_type)
        return ev, list(spec.items(ev)), {}
    except msgspec.ValidationError as exc:
        if spec.raw_items is None:
            err = as_decode_error(exc, None)
            raise EventDecodeError(
                f"not a valid {spec.kind} event: {err.reason}", path=err.path
            ) from exc
        whole = exc
    shell = {
        k: (
            []
            if isinstance(v, list)
            else {}
            if isinstance(v, Mapping) and all(isinstance(x, list) for x in v.values())
            else v
        )
        for k, v in event.items()
    }
    try:
        ev = msgspec.convert(shell, spec.event_type)
    except msgspec.ValidationError as exc:
        err = as_decode_error(exc, None)
        raise EventDecodeError(
            f"not a valid {spec.kind} event: {err.reason}", path=err.path
        ) from whole
    items: list[Any] = []
    bad: dict[int, Work] = {}
    for i, raw in enumerate(spec.raw_items(event)):
        try:
            items.append(msgspec.convert(raw, spec.item_type))
        except msgspec.ValidationError as exc:
            record_id = _raw_id(spec.kind, raw)
            if record_id is None:
                err = as_decode_error(exc, None)
                raise EventDecodeError(
                    f"record {i} of this {spec.kind} event does not decode and has no identifier "
                    f"to report it by: {err.reason}",
                    path=f"$[{i}]" + err.path[1:],
                ) from exc
            items.append(None)
            bad[i] = Work(
                index=i,
                item_id=record_id,
                wire_id=_raw_wire_id(spec.kind, raw),
                error=as_decode_error(exc, record_id),
            )
    return ev, items, bad


def make_call(
    plan: HandlerPlan,
    spec: SourceSpec[Any, Any] | None,
    ev: Any,
    context: Any,
    log: Logger,
    extra: Mapping[Slot, Any] | None = None,
) -> Callable[[Work], Any]:
    """A function running ``plan`` for one work: builds its arguments, then calls it."""
    fn = plan.fn
    params = plan.params
    payload_of = None if spec is None else spec.payload
    json_payload = spec is not None and spec.payload_format == "json"

    def call(w: Work) -> Any:
        kw: dict[str, Any] = {}
        for p in params:
            slot = p.slot
            if slot is Slot.PAYLOAD:
                assert p.decoder is not None
                try:
                    raw = payload_of(w.item) if payload_of is not None else w.item
                    if raw is None and json_payload:
                        raw = b"null"  # an absent payload (a Kafka tombstone) decodes as null
                    kw[p.name] = p.decoder(raw)
                except DECODE_ERRORS as exc:
                    raise as_decode_error(exc, w.item_id) from exc
            elif slot is Slot.ITEM:
                kw[p.name] = w.item
            elif slot is Slot.CONTEXT:
                kw[p.name] = context
            elif slot is Slot.EVENT:
                kw[p.name] = ev
            elif slot is Slot.LOGGER:
                kw[p.name] = log.bind(record_id=w.item_id)
            elif slot is Slot.NAMED:
                assert p.decoder is not None and p.getter is not None
                try:
                    kw[p.name] = p.decoder(p.getter(w.item))
                except DECODE_ERRORS as exc:
                    raise as_decode_error(exc, w.item_id) from exc
            else:
                kw[p.name] = (extra or {}).get(slot)
        return fn(**kw)

    return call


def _envelope_s3(
    app: App, kind: str, event: Any, item: Any, spec: SourceSpec[Any, Any]
) -> list[Any] | None:
    """S3 notifications inside an SQS body, an SNS message or an EventBridge event."""
    if kind not in ("sqs", "sns", "eventbridge") or not app.routes.routes("s3"):
        return None
    from lambent.sources import s3

    value = event if kind == "eventbridge" else (spec.payload(item) if spec.payload else None)
    return s3.extract_s3(value)


def _s3_call(
    app: App, records: list[Any], context: Any, log: Logger
) -> tuple[Callable[[Work], Any], bool]:
    """Run the S3 routes for the S3 records inside one envelope record, in order."""
    from lambent.sources import s3

    spec = s3.SPECS[0]
    steps: list[tuple[Any, Route]] = []
    for record in records:
        route = app.routes.match("s3", spec.route_key(None, record))
        if route is None:
            raise RoutingError("s3", {"bucket": record.s3.bucket.name, "key": record.key})
        steps.append((record, route))

    async def call(w: Work) -> Any:
        for record, route in steps:
            inner = Work(index=w.index, item_id=w.item_id, item=record)
            result = make_call(route.plan, spec, None, context, log)(inner)
            if inspect.isawaitable(result):
                await result
        return None

    return call, True


async def _hooks(hooks: list[Callable[..., Any]], info: BatchInfo) -> None:
    for hook in hooks:
        result = hook(info)
        if inspect.isawaitable(result):
            await result


def budget(app: App, context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return float(remaining()) / 1000.0 - app.deadline_margin


async def handle_records(
    app: App, spec: SourceSpec[Any, Any], event: Any, context: Any, log: Logger
) -> Any:
    kind = spec.kind
    ev, items, works_by_index = _decode(spec, event)
    order_key = spec.order_key
    routes_used: list[Route] = []
    works: list[Work] = []
    unrouted: list[RoutingError] = []
    for i, item in enumerate(items):
        bad = works_by_index.get(i)
        if bad is not None:
            works.append(bad)
            continue
        w = Work(index=i, item_id=spec.item_id(item), item=item)
        if spec.report_id is not None:
            w.wire_id = spec.report_id(item)
        works.append(w)
        key = spec.route_key(ev, item)
        route = app.routes.match(kind, key)
        if route is None and kind == "schedule":
            route = app.routes.match(
                "eventbridge", (getattr(ev, "source", None), getattr(ev, "detail_type", None))
            )
        if route is None:
            try:
                inner = _envelope_s3(app, kind, event, item, spec)
                if inner is not None:
                    w.call, w.is_async = _s3_call(app, inner, context, log)
                    continue
            except _ENVELOPE_ERRORS as exc:
                w.error = exc
                continue
            error = RoutingError(kind, {"route_key": repr(key)})
            unrouted.append(error)
            w.error = error
            continue
        if route not in routes_used:
            routes_used.append(route)
        opts = route.options
        w.call = make_call(route.plan, spec, ev, context, log)
        w.is_async = route.plan.is_async
        w.threaded = opts.threaded and not route.plan.is_async
        w.drop_on_decode_error = opts.on_decode_error == "drop"
        if opts.sequential:
            w.order_key = "shard"
        elif order_key is not None:
            w.order_key = order_key(item)
        w.route = route
    if works and len(unrouted) == len(works):
        raise unrouted[0]
    concurrency = (
        min((r.options.concurrency or app.concurrency) for r in routes_used)
        if routes_used
        else app.concurrency
    )
    strict = any(r.options.strict_order for r in routes_used) and any(
        w.order_key is not None for w in works
    )
    info = BatchInfo(kind, items, context)
    if app._before_batch:
        await _hooks(app._before_batch, info)
    from lambent._batch import run_whole_batches

    outcomes = await run_whole_batches(app, spec, ev, works, routes_used, context, log)
    if outcomes is None:
        outcomes = await run_batch(
            works, concurrency=concurrency, budget=budget(app, context), strict_order=strict
        )
    _log_outcomes(log, kind, outcomes)
    if app._after_batch:
        failed = [w.item_id for w in outcomes.failed()]
        await _hooks(
            app._after_batch,
            BatchInfo(kind, items, context, outcomes.summary(), failed, outcomes.duration),
        )
    return render(spec, event, ev, outcomes)


def render(spec: SourceSpec[Any, Any], event: Any, ev: Any, outcomes: Outcomes) -> Any:
    mode = spec.response
    if mode == "batch":
        response: dict[str, Any] = dict(batch_item_failures(outcomes))
        if getattr(ev, "window", None) is not None:
            state = getattr(outcomes, "state", None)
            response = {
                "state": state if state is not None else (getattr(ev, "state", None) or {}),
                **response,
            }
        return response
    if mode == "firehose":
        return firehose_records(outcomes, [r.get("data", "") for r in event.get("records", [])])
    raise_if_failed(spec.kind, outcomes)
    if mode == "single" or spec.kind == "ses":
        result = outcomes.works[0].result if len(outcomes.works) == 1 else None
        if spec.kind == "ses":
            if isinstance(result, str):
                return {"disposition": result}
            return result
        return result
    return None


def _log_outcomes(log: Logger, kind: str, outcomes: Outcomes) -> None:
    for w in outcomes.works:
        if w.status in (Status.FAILED, Status.CANCELLED) and w.error is not None:
            err = w.error
            detail = {"path": err.path} if isinstance(err, DecodeError) else {}
            log.error(
                "record failed",
                record_id=w.item_id,
                error=f"{type(err).__name__}: {err}",
                exc_info=err if not isinstance(err, DecodeError | RoutingError) else None,
                **detail,
            )
    log.info(
        "batch processed",
        size=len(outcomes.works),
        duration_ms=round(outcomes.duration * 1000, 3),
        **outcomes.summary(),
    )
