"""The record and event source decorators of the App (``app.sqs``, ``app.s3``, ...).

Each decorator is sugar over :meth:`RecordRoutes.add_route`: it builds a route's
filters and its predicate over the source's route key, resolves the handler's
signature once, and adds the route to the app's table (which rejects conflicts).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from lambent import _matchers as m
from lambent._errors import ConfigurationError
from lambent._inject import HandlerPlan, Slot, resolve
from lambent._routes import OnDecodeError, Route, RouteOptions, RouteTable, require_name

F = TypeVar("F", bound=Callable[..., Any])

#: per record-source decorator: (kind, source module, named extras)
_RECORD_KINDS = {
    "sqs": "sqs",
    "kinesis-stream": "kinesis",
    "dynamodb-stream": "dynamodb",
    "kafka": "kafka",
    "mq": "mq",
    "firehose": "firehose",
    "sns": "sns",
    "s3": "s3",
    "cloudwatch-logs": "cloudwatch_logs",
    "ses": "ses",
    "eventbridge": "eventbridge",
    "schedule": "schedule",
}


class RecordRoutes:
    """Mixin: the decorators of every non-HTTP source, and the batch hooks."""

    routes: RouteTable
    strict_fifo: bool
    _before_batch: list[Callable[..., Any]]
    _after_batch: list[Callable[..., Any]]

    def add_route(
        self,
        kind: str,
        fn: Callable[..., Any],
        *,
        filters: tuple[tuple[str, Any], ...] = (),
        matches: m.Predicate | None = None,
        options: RouteOptions | None = None,
        overlaps: Callable[[Route, Route], bool] | None = None,
    ) -> Route:
        """Add a route for a record or event source; the decorators call this."""
        from lambent import sources

        module_name = _RECORD_KINDS.get(kind)
        if module_name is None:
            raise ConfigurationError(f"unknown source kind {kind!r}")
        opts = options or RouteOptions()
        if opts.concurrency is not None and opts.concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, not {opts.concurrency}")
        specs = sources.module(module_name).SPECS
        spec = specs[0]
        where = f"{kind} route" + (
            f" ({', '.join(f'{k}={v!r}' for k, v in filters)})" if filters else ""
        )
        named = _named_values(kind)
        plan = resolve(
            fn,
            where=where,
            item_type=tuple(s.item_type for s in specs),
            event_type=tuple(s.event_type for s in specs),
            payload_format=spec.payload_format,
            allow_payload=spec.payload is not None,
            allow_items=spec.response in ("batch", "firehose", "all"),
            named=named,
            state=opts.window,
        )
        if named is not None:
            _check_images(where, plan, dict(filters).get("events"))
        if opts.window and kind not in ("kinesis-stream", "dynamodb-stream"):
            raise ConfigurationError(
                f"{where}: tumbling windows exist only for Kinesis and DynamoDB"
            )
        route = Route(
            kind=kind,
            filters=filters,
            matches=matches or (lambda key: True),
            plan=plan,
            options=opts,
        )
        return self.routes.add(route, overlaps=overlaps)

    def _record_decorator(
        self,
        kind: str,
        filters: tuple[tuple[str, Any], ...],
        matches: m.Predicate,
        options: RouteOptions,
        overlaps: Callable[[Route, Route], bool] | None = None,
    ) -> Callable[[F], F]:
        def decorator(fn: F) -> F:
            self.add_route(
                kind, fn, filters=filters, matches=matches, options=options, overlaps=overlaps
            )
            return fn

        return decorator

    def sqs(
        self,
        queue: str | None = None,
        *,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        strict_order: bool | None = None,
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle SQS messages of ``queue`` (name or ARN; ``None``: any queue).

        FIFO queues (``.fifo``) run each message group in order; ``strict_order``
        (default: the app's ``strict_fifo``) stops the whole batch at the first failure.
        """
        opts = RouteOptions(
            concurrency=concurrency,
            on_decode_error=on_decode_error,
            threaded=threaded,
            strict_order=self.strict_fifo if strict_order is None else strict_order,
        )
        return self._record_decorator(
            "sqs", _filters(queue=queue), m.resource(queue), opts, _resource_overlap("queue")
        )

    def sns(self, topic: str | None = None, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle SNS notifications of ``topic`` (name or ARN)."""
        return self._record_decorator(
            "sns", _filters(topic=topic), m.resource(topic), RouteOptions(threaded=threaded),
            _resource_overlap("topic"),
        )  # fmt: skip

    def kinesis(
        self,
        stream: str | None = None,
        *,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        sequential: bool = False,
        window: bool = False,
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle Kinesis records of ``stream``; records of one partition key run in order."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, sequential=sequential,
            window=window, threaded=threaded,
        )  # fmt: skip
        return self._record_decorator(
            "kinesis-stream",
            _filters(stream=stream),
            m.resource(stream),
            opts,
            _resource_overlap("stream"),
        )

    def dynamodb(
        self,
        table: str | None = None,
        *,
        events: Iterable[str] | None = None,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        sequential: bool = False,
        window: bool = False,
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle DynamoDB stream records of ``table``, optionally only some ``events``."""
        chosen = m.dynamodb_events(events)
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, sequential=sequential,
            window=window, threaded=threaded,
        )  # fmt: skip
        shown = None if chosen is None else tuple(sorted(chosen))

        def overlaps(a: Route, b: Route) -> bool:
            fa, fb = dict(a.filters), dict(b.filters)
            if len(fa) != len(fb):
                return False
            ea, eb = fa.get("events"), fb.get("events")
            both = ea is None or eb is None or bool(set(ea) & set(eb))
            return both and m.same_resource(fa.get("table"), fb.get("table"))

        return self._record_decorator(
            "dynamodb-stream", _filters(table=table, events=shown), m.dynamodb_route(table, chosen),
            opts, overlaps,
        )  # fmt: skip

    def kafka(
        self,
        topic: str | None = None,
        *,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle Kafka records (MSK or self-managed) of ``topic``; each partition runs in order."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, threaded=threaded
        )
        return self._record_decorator("kafka", _filters(topic=topic), m.exact(topic), opts)

    def mq(
        self,
        queue: str | None = None,
        *,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle Amazon MQ messages (ActiveMQ destination or RabbitMQ queue)."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, threaded=threaded
        )
        return self._record_decorator("mq", _filters(queue=queue), m.exact(queue), opts)

    def firehose(
        self,
        stream: str | None = None,
        *,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Transform Firehose records; return new data, ``Dropped``, or raise (ProcessingFailed)."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, threaded=threaded
        )
        return self._record_decorator(
            "firehose",
            _filters(stream=stream),
            m.resource(stream),
            opts,
            _resource_overlap("stream"),
        )

    def s3(
        self,
        bucket: str | None = None,
        *,
        prefix: str = "",
        suffix: str = "",
        events: Iterable[str] | None = None,
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle S3 notifications (direct, or inside SQS, SNS and EventBridge envelopes).

        ``prefix``/``suffix`` apply to the decoded key; ``events`` like ``"ObjectCreated:*"``.
        """
        chosen = m.s3_events(events)

        def overlaps(a: Route, b: Route) -> bool:
            fa, fb = dict(a.filters), dict(b.filters)
            if fa.get("bucket") != fb.get("bucket") or len(fa) != len(fb):
                return False
            pa, pb = fa.get("prefix", ""), fb.get("prefix", "")
            sa, sb = fa.get("suffix", ""), fb.get("suffix", "")
            return (
                (pa.startswith(pb) or pb.startswith(pa))
                and (sa.endswith(sb) or sb.endswith(sa))
                and m.events_overlap(fa.get("events"), fb.get("events"))
            )

        return self._record_decorator(
            "s3",
            _filters(bucket=bucket, prefix=prefix or None, suffix=suffix or None, events=chosen),
            m.s3_route(bucket, prefix, suffix, chosen),
            RouteOptions(threaded=threaded),
            overlaps,
        )

    def eventbridge(
        self, source: str | None = None, detail_type: str | None = None, *, threaded: bool = False
    ) -> Callable[[F], F]:
        """Handle EventBridge events by ``source`` and ``detail_type`` (globs allowed)."""
        return self._record_decorator(
            "eventbridge", _filters(source=source, detail_type=detail_type),
            m.pair(m.glob(source), m.glob(detail_type)), RouteOptions(threaded=threaded),
        )  # fmt: skip

    def schedule(self, rule: str | None = None, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle EventBridge scheduled events of the rule named ``rule`` (globs allowed)."""
        return self._record_decorator(
            "schedule", _filters(rule=rule), m.glob(rule), RouteOptions(threaded=threaded)
        )

    def logs(self, group: str | None = None, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle each log event of a CloudWatch Logs subscription for ``group`` (globs allowed)."""
        return self._record_decorator(
            "cloudwatch-logs", _filters(group=group), m.glob(group), RouteOptions(threaded=threaded)
        )

    def ses(self, recipient: str | None = None, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle SES receipts for ``recipient`` (an address, or a domain for all its addresses)."""
        return self._record_decorator(
            "ses",
            _filters(recipient=recipient),
            m.recipients(recipient),
            RouteOptions(threaded=threaded),
        )

    def invoke(
        self, name: str | None = None, *, field: str = "action", threaded: bool = False
    ) -> Callable[[F], F]:
        """Handle direct invocations whose ``field`` equals ``name``, or by payload type."""

        require_name(name, "name", "invoke")
        require_name(field, "field", "invoke", optional=False)

        def decorator(fn: F) -> F:
            from lambent._direct import add_invoke_route

            add_invoke_route(self.routes, fn, name, field, threaded)
            return fn

        return decorator

    def before_batch(self, fn: F) -> F:
        """Call ``fn(batch)`` before each batch runs (``batch``: a :class:`lambent.BatchInfo`)."""
        self._before_batch.append(fn)
        return fn

    def after_batch(self, fn: F) -> F:
        """Call ``fn(batch)`` after each batch ran, with its outcome counts."""
        self._after_batch.append(fn)
        return fn


def _filters(**values: Any) -> tuple[tuple[str, Any], ...]:
    """The route's filters; every name (all but ``events``) must be a string."""
    for field, value in values.items():
        if field != "events" and not isinstance(value, str | None):
            require_name(value, field, sys._getframe(1).f_code.co_name)
    return tuple((k, v) for k, v in values.items() if v is not None)


def _resource_overlap(field: str) -> Callable[[Route, Route], bool]:
    def overlaps(a: Route, b: Route) -> bool:
        return m.same_resource(dict(a.filters).get(field), dict(b.filters).get(field))

    return overlaps


def _check_images(where: str, plan: HandlerPlan, events: Iterable[str] | None) -> None:
    """An ``old``/``new`` image parameter of a route that receives records without that
    image (INSERT has no old image, REMOVE no new one) must accept None."""
    from lambent._decode import DECODE_ERRORS
    from lambent.sources.dynamodb import IMAGE_ABSENT_ON

    for param in plan.params:
        absent = IMAGE_ABSENT_ON.get(param.name)
        if param.slot is not Slot.NAMED or absent is None or param.decoder is None:
            continue
        if events is not None and absent not in events:
            continue
        try:
            param.decoder(None)
        except DECODE_ERRORS:
            others = sorted({"INSERT", "MODIFY", "REMOVE"} - {absent})
            raise ConfigurationError(
                f"{where}: {plan.name}, parameter {param.name!r}: {absent} records have no "
                f"{'old' if absent == 'INSERT' else 'new'} image, so it must accept None: "
                f"annotate it {_shown_type(param.annotation)} | None, or take only "
                f"events={others}"
            ) from None


def _shown_type(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def _named_values(kind: str) -> dict[str, Callable[[Any], Any]] | None:
    if kind != "dynamodb-stream":
        return None

    from lambent.sources.dynamodb import new_image_payload, old_image_payload

    # integral numbers as int (exact), others as Decimal: msgspec converts an int into
    # a Decimal or float field but refuses a Decimal for an int field
    old, new = old_image_payload, new_image_payload
    return {"old": old, "old_image": old, "new": new, "new_image": new}
