"""One invocation: detect, decode, route, run, render. Called by ``App.dispatch``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambent import sources
from lambent._calls import make_call
from lambent._decode import DECODE_ERRORS
from lambent._dispatch import Batch, Runner, Status, run_batch
from lambent._errors import DecodeError, LambentError, RoutingError, describe
from lambent._events import decode_event
from lambent._inject import Slot
from lambent._logging import Logger, bind_invocation, emit, get_logger, unbind_invocation
from lambent._respond import (
    batch_item_failures,
    encode_firehose_results,
    firehose_records,
    json_result,
    raise_if_failed,
)
from lambent._routes import Route
from lambent.sources._base import SourceSpec

if TYPE_CHECKING:
    from lambent._app import App

#: sources whose events the web router (``lambent.http``) answers
WEB_KINDS = frozenset(
    {
        "apigw-rest",
        "apigw-http",
        "function-url",
        "alb",
        "apigw-websocket",
        "apigw-authorizer",
        "cloudfront",
    }
)

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


class Ids:
    """Identifiers of a batch's items: for logs (``record``) and for Lambda (``wire``)."""

    __slots__ = ("batch", "spec")

    def __init__(self, spec: SourceSpec[Any, Any], batch: Batch) -> None:
        self.spec = spec
        self.batch = batch

    def record(self, i: int) -> str:
        known = self.batch.ids.get(i)
        return known if known is not None else self.spec.item_id(self.batch.items[i])

    def label(self, i: int) -> str | None:
        """How messages name the item besides its id (S3: ``s3://bucket/key``), or None."""
        item = self.batch.items[i]
        if self.spec.item_label is None or item is None:
            return None
        return self.spec.item_label(item)

    def wire(self, i: int) -> Any:
        known = self.batch.wire_ids.get(i)
        if known is not None:
            return known
        if self.spec.report_id is not None and self.batch.items[i] is not None:
            return self.spec.report_id(self.batch.items[i])
        return self.record(i)


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
        if spec.response == "http" or spec.kind in WEB_KINDS:
            return await app._web_dispatch(spec, event, context, log)
        return await handle_records(app, spec, event, context, log)
    except LambentError as exc:
        emit(log.error, "invocation failed", error=str(exc), error_type=type(exc).__name__)
        raise
    finally:
        unbind_invocation(tokens)


def _envelope_s3(
    app: App, kind: str, event: Any, item: Any, spec: SourceSpec[Any, Any]
) -> list[Any] | None:
    """S3 notifications inside an SQS body, an SNS message or an EventBridge event."""
    if kind not in ("sqs", "sns", "eventbridge") or not app.routes.routes("s3"):
        return None
    from lambent.sources import s3

    value = event if kind == "eventbridge" else (spec.payload(item) if spec.payload else None)
    return s3.extract_s3(value)


def _s3_runner(app: App, records: list[Any], context: Any, log: Logger) -> Runner:
    """Run the S3 routes for the S3 records inside one envelope record, in order."""
    from lambent.sources import s3

    spec = s3.SPECS[0]
    steps: list[tuple[Any, Callable[[Any, int], Any]]] = []
    is_async = False
    for record in records:
        route = app.routes.match("s3", spec.route_key(None, record))
        if route is None:
            raise RoutingError("s3", {"bucket": record.s3.bucket.name, "key": record.key})
        steps.append((record, make_call(route.plan, spec, None, context, log)))
        is_async = is_async or route.plan.is_async

    async def call_async(item: Any, index: int) -> Any:
        for record, inner in steps:
            try:
                result = inner(record, index)
                if inspect.isawaitable(result):
                    await result
            except BaseException as exc:
                exc.add_note(f"while handling {_s3_label(record)}")
                raise
        return None

    def call(item: Any, index: int) -> Any:
        for record, inner in steps:
            try:
                inner(record, index)
            except BaseException as exc:
                exc.add_note(f"while handling {_s3_label(record)}")
                raise
        return None

    return Runner(call=call_async, is_async=True) if is_async else Runner(call=call)


def _s3_label(record: Any) -> str:
    from lambent.sources import s3

    label = s3.SPEC.item_label
    return label(record) if label is not None else s3.item_id(record)


async def _hooks(hooks: list[Callable[..., Any]], info: BatchInfo) -> None:
    for hook in hooks:
        result = hook(info)
        if inspect.isawaitable(result):
            await result


def _shown(key: Hashable) -> str:
    """A route key for messages: a plain string as it is, a tuple joined."""
    if isinstance(key, tuple):
        return " ".join(str(part) for part in key)
    return str(key)


def budget(app: App, context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return float(remaining()) / 1000.0 - app.deadline_margin


def _runner(route: Route, spec: SourceSpec[Any, Any], ev: Any, context: Any, log: Logger) -> Runner:
    plan, opts = route.plan, route.options
    whole = Slot.ITEMS in plan.wants or opts.window
    return Runner(
        call=(lambda item, index: None) if whole else make_call(plan, spec, ev, context, log),
        is_async=plan.is_async,
        threaded=opts.threaded and not plan.is_async,
        drop_on_decode_error=opts.on_decode_error == "drop",
        route=route,
        whole=whole,
    )


def route_batch(
    app: App,
    spec: SourceSpec[Any, Any],
    event: Any,
    ev: Any,
    batch: Batch,
    context: Any,
    log: Logger,
) -> list[Route]:
    """Give every item its runner (or its routing error); returns the routes used."""
    kind = spec.kind
    route_key, match = spec.route_key, app.routes.match
    runners, items, status = batch.runners, batch.items, batch.status
    prepared: dict[int, Runner] = {}
    used: list[Route] = []
    unrouted = 0
    last_key: Hashable = object()
    last: Runner | None = None
    for i, item in enumerate(items):
        if status[i]:  # failed to decode
            continue
        key = route_key(ev, item)
        if key == last_key and last is not None:
            runners[i] = last
            continue
        route = match(kind, key)
        if route is None and kind == "schedule":
            route = match(
                "eventbridge", (getattr(ev, "source", None), getattr(ev, "detail_type", None))
            )
        if route is None:
            last = None
            try:
                inner = _envelope_s3(app, kind, event, item, spec)
                if inner is not None:
                    runners[i] = _s3_runner(app, inner, context, log)
                    continue
            except _ENVELOPE_ERRORS as exc:
                batch.fail(i, exc)
                continue
            batch.fail(i, RoutingError(kind, {"route_key": _shown(key)}))
            unrouted += 1
            continue
        runner = prepared.get(id(route))
        if runner is None:
            runner = prepared[id(route)] = _runner(route, spec, ev, context, log)
            used.append(route)
        runners[i] = last = runner
        last_key = key
    if items and unrouted == len(items):
        error = batch.errors[0]
        assert isinstance(error, RoutingError)
        raise error
    order_key = spec.order_key
    sequential = any(r.options.sequential for r in used)
    if sequential:
        batch.keys = ["shard"] * len(items)
    elif order_key is not None and (
        spec.ordered is None or batch.ids or spec.ordered(ev)  # ids: decoded one by one
    ):
        keys = [None if item is None else order_key(item) for item in items]
        if any(k is not None for k in keys):
            batch.keys = keys
            if batch.ids:
                # a record that did not decode has no known group or partition key: it
                # may precede any later record of its group, so nothing after it runs
                for i in range(min(batch.ids) + 1, len(items)):
                    if status[i] == Status.PENDING:
                        status[i] = Status.SKIPPED
    return used


async def handle_records(
    app: App, spec: SourceSpec[Any, Any], event: Any, context: Any, log: Logger
) -> Any:
    kind = spec.kind
    ev, batch = decode_event(spec, event, lean=kind in app._lean_kinds)
    used = route_batch(app, spec, event, ev, batch, context, log)
    concurrency = min(
        (r.options.concurrency or app.concurrency for r in used), default=app.concurrency
    )
    strict = batch.keys is not None and any(r.options.strict_order for r in used)
    ids = Ids(spec, batch)
    if app._before_batch:
        await _hooks(app._before_batch, BatchInfo(kind, batch.items, context))
    limit = budget(app, context)
    if any(Slot.ITEMS in r.plan.wants or r.options.window for r in used):
        from lambent._batch import run_whole_batches

        await run_whole_batches(app, batch, ev, context, log, limit, concurrency, ids.record)
    else:
        await run_batch(batch, concurrency=concurrency, budget=limit, strict_order=strict)
    if spec.response == "firehose":
        encode_firehose_results(batch)
    _log_outcomes(log, batch, ids)
    if app._after_batch:
        failed = [ids.record(i) for i in batch.failed()]
        info = BatchInfo(kind, batch.items, context, batch.summary(), failed, batch.duration)
        await _hooks(app._after_batch, info)
    return render(spec, event, ev, batch, ids)


def render(spec: SourceSpec[Any, Any], event: Any, ev: Any, batch: Batch, ids: Ids) -> Any:
    mode = spec.response
    if mode == "batch":
        response = batch_item_failures(batch, ids.wire, spec.kind)
        if getattr(ev, "window", None) is not None:
            state = batch.state if batch.state is not None else (getattr(ev, "state", None) or {})
            return {"state": state, **response}
        return response
    if mode == "firehose":
        # echoed for records that fail; a record whose data is not even a string gets ""
        original = [
            data if isinstance(data := r.get("data", ""), str) else ""
            for r in event.get("records", [])
        ]
        return firehose_records(batch, original, ids.record)
    raise_if_failed(spec.kind, batch, ids.record, ids.label)
    result = batch.results.get(0) if len(batch) == 1 else None
    if spec.kind == "ses" and isinstance(result, str):
        return {"disposition": result}
    if result is None or not (mode == "single" or spec.kind == "ses"):
        return None
    runner = batch.runners[0]
    return json_result(result, runner.route.plan.name if runner and runner.route else spec.kind)


def _site(err: BaseException) -> tuple[type[BaseException], str, int]:
    """Where an exception was raised: its type and innermost frame."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return type(err), "", 0
    return type(err), tb.tb_frame.f_code.co_filename, tb.tb_lineno


def _log_outcomes(log: Logger, batch: Batch, ids: Ids) -> None:
    """Each failure once, with its record id and error; a traceback goes with the first
    failure of each distinct exception site, later ones name that record instead."""
    status = batch.status
    traced: dict[tuple[type[BaseException], str, int], str] = {}
    for i in sorted(batch.errors):
        if status[i] not in (Status.FAILED, Status.CANCELLED):
            continue
        err = batch.errors[i]
        record_id = ids.record(i)
        detail: dict[str, Any] = {"path": err.path} if isinstance(err, DecodeError) else {}
        label = ids.label(i)
        if label is not None:
            detail["item"] = label
        if not isinstance(err, DecodeError | RoutingError):
            site = _site(err)
            first = traced.get(site)
            if first is None:
                traced[site] = record_id
                detail["exc_info"] = err
            else:
                detail["traceback_as"] = first
        emit(log.error, "record failed", record_id=record_id, error=describe(err), **detail)
    log.info(
        "batch processed",
        size=len(batch),
        duration_ms=round(batch.duration * 1000, 3),
        **batch.summary(),
    )
