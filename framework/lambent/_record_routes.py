"""The record and event source decorators of the App (``app.sqs``, ``app.s3``, ...).

Each decorator is sugar over :meth:`RecordRoutes.add_route`: its typed keyword filters go
to the source (``route_filter``), which compiles them into a predicate over its route key;
the handler's signature is resolved once, and the route is added to the app's table,
which rejects conflicts (equal filters, or the overlap rule its record matcher asks the
source for).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from lambent._errors import ConfigurationError
from lambent._inject import HandlerPlan
from lambent._observe import observed_plan
from lambent._registry import Registered
from lambent._routes import (
    RECORDS,
    KeyFunction,
    OnDecodeError,
    Route,
    RouteOptions,
    require_count,
    require_name,
)
from lambent.sources._match import Filter
from lambent.sources._response import response_rules

if TYPE_CHECKING:
    from lambent.sources import EventSource

F = TypeVar("F", bound=Callable[..., Any])


class RecordRoutes(Registered):
    """The decorators of every non-HTTP source, and the batch hooks: no state of their
    own; they add to the app's :class:`~lambent._registry.Registry`."""

    def add_route(
        self,
        kind: str,
        fn: Callable[..., Any],
        *,
        filters: Mapping[str, Any] | None = None,
        options: RouteOptions | None = None,
    ) -> Route:
        """Add a route for a record or event source (``filters``: the keyword filters its
        decorator takes, e.g. ``{"queue": "orders"}``); every decorator calls this."""
        specs, compiled = _compile(kind, filters or {})
        return self._add(kind, specs, compiled, fn, options or RouteOptions())

    def _add(
        self,
        kind: str,
        specs: tuple[EventSource, ...],
        compiled: Filter,
        fn: Callable[..., Any],
        opts: RouteOptions,
    ) -> Route:
        from lambent._record_params import resolve  # here: HTTP-only apps never load it

        spec = specs[0]
        if spec.threaded and not opts.threaded:  # the source cuts plain handlers at the deadline
            opts = msgspec.structs.replace(opts, threaded=True)
        if opts.concurrency is not None:
            require_count(opts.concurrency, "concurrency")

        if opts.on_decode_error not in ("fail", "drop"):
            raise ConfigurationError(
                f'on_decode_error must be "fail" or "drop", not {opts.on_decode_error!r}'
            )
        where = f"{kind} route" + (
            f" ({', '.join(f'{k}={v!r}' for k, v in compiled.shown)})" if compiled.shown else ""
        )
        for flag in ("threaded", "sequential", "window", "idempotent"):
            value = getattr(opts, flag)
            if not isinstance(value, bool):  # "no" would have meant True
                raise ConfigurationError(
                    f"{where}: {flag} must be True or False, not {type(value).__name__} {value!r}"
                )
        plan = resolve(
            fn,
            where=where,
            item_type=tuple(s.item_type for s in specs),
            event_type=tuple(s.event_type for s in specs),
            payload_format=spec.payload_format,
            allow_payload=spec.payload is not None,
            allow_items=response_rules(spec).whole_batches,
            named=spec.named,
            state=opts.window,
        )
        if spec.check_route is not None:
            spec.check_route(where, plan, dict(compiled.shown))
        if opts.window and not spec.windowed:
            raise ConfigurationError(
                f"{where}: tumbling windows exist only for Kinesis and DynamoDB"
            )
        plan = self._observed(where, plan, opts, spec)
        route = Route(
            kind=kind, filters=compiled.shown, matches=compiled.matches, plan=plan, options=opts
        )
        return self._registry.routes.add_to(RECORDS, route)

    def _observed(
        self, where: str, plan: HandlerPlan, opts: RouteOptions, spec: EventSource | None
    ) -> HandlerPlan:
        """The route checked against the app's idempotency store and metrics (a router's:
        when it is included into an app)."""
        registry = self._registry
        if registry.router:
            return plan
        return observed_plan(
            where, plan, opts, spec, store=registry.idempotency, metrics=registry.metrics
        )

    def _record_decorator(
        self, kind: str, filters: Mapping[str, Any], options: RouteOptions
    ) -> Callable[[F], F]:
        decorator_name = sys._getframe(1).f_code.co_name  # the calling decorator: sqs, s3, ...
        for field, value in filters.items():  # names must be strings (the handler itself: @app.sqs)
            if field != "events" and not isinstance(value, str | None):
                require_name(value, field, decorator_name)
        specs, compiled = _compile(kind, filters)  # bad filters fail here, at once

        def decorator(fn: F) -> F:
            self._add(kind, specs, compiled, fn, options)
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
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle SQS messages of ``queue`` (name or ARN; ``None``: any queue).

        FIFO queues (``.fifo``) run each message group in order; ``strict_order``
        (default: the app's ``strict_fifo``) stops the whole batch at the first failure.
        ``idempotent``: each message runs once per ``messageId`` (``idempotency_key``: per
        key of its decoded body); see docs/idempotency.md.
        """
        opts = RouteOptions(
            concurrency=concurrency,
            on_decode_error=on_decode_error,
            threaded=threaded,
            strict_order=self._registry.strict_fifo if strict_order is None else strict_order,
            idempotent=idempotent,
            idempotency_key=idempotency_key,
        )
        return self._record_decorator("sqs", {"queue": queue}, opts)

    def sns(
        self,
        topic: str | None = None,
        *,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle SNS notifications of ``topic`` (name or ARN)."""
        opts = RouteOptions(
            on_decode_error=on_decode_error, threaded=threaded, idempotent=idempotent,
            idempotency_key=idempotency_key,
        )  # fmt: skip
        return self._record_decorator("sns", {"topic": topic}, opts)

    def kinesis(
        self,
        stream: str | None = None,
        *,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        sequential: bool = False,
        window: bool = False,
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle Kinesis records of ``stream``; records of one partition key run in order."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, sequential=sequential,
            window=window, threaded=threaded, idempotent=idempotent, idempotency_key=idempotency_key,
        )  # fmt: skip
        return self._record_decorator("kinesis-stream", {"stream": stream}, opts)

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
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle DynamoDB stream records of ``table``, optionally only some ``events``."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, sequential=sequential,
            window=window, threaded=threaded, idempotent=idempotent, idempotency_key=idempotency_key,
        )  # fmt: skip
        return self._record_decorator("dynamodb-stream", {"table": table, "events": events}, opts)

    def kafka(
        self,
        topic: str | None = None,
        *,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle Kafka records (MSK or self-managed) of ``topic``; each partition runs in order."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, threaded=threaded,
            idempotent=idempotent, idempotency_key=idempotency_key,
        )  # fmt: skip
        return self._record_decorator("kafka", {"topic": topic}, opts)

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
        return self._record_decorator("mq", {"queue": queue}, opts)

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
        return self._record_decorator("firehose", {"stream": stream}, opts)

    def s3(
        self,
        bucket: str | None = None,
        *,
        prefix: str = "",
        suffix: str = "",
        events: Iterable[str] | None = None,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle S3 notifications (direct, or inside SQS, SNS and EventBridge envelopes).

        ``prefix``/``suffix`` apply to the decoded key; ``events`` like ``"ObjectCreated:*"``.
        A notification that does not decode is dropped instead of failing when every S3
        route says ``on_decode_error="drop"`` (its bucket cannot be read to choose one).
        """
        filters = {"bucket": bucket, "prefix": prefix, "suffix": suffix, "events": events}
        opts = RouteOptions(on_decode_error=on_decode_error, threaded=threaded)
        return self._record_decorator("s3", filters, opts)

    def eventbridge(
        self,
        source: str | None = None,
        detail_type: str | None = None,
        *,
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle EventBridge events by ``source`` and ``detail_type`` (globs allowed);
        ``idempotent``: each event runs once per ``id``."""
        filters = {"source": source, "detail_type": detail_type}
        opts = RouteOptions(
            threaded=threaded, idempotent=idempotent, idempotency_key=idempotency_key
        )
        return self._record_decorator("eventbridge", filters, opts)

    def schedule(
        self,
        rule: str | None = None,
        *,
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle EventBridge scheduled events of the rule named ``rule`` (globs allowed);
        ``idempotent``: each event runs once per ``id`` (a retried delivery does not)."""
        opts = RouteOptions(
            threaded=threaded, idempotent=idempotent, idempotency_key=idempotency_key
        )
        return self._record_decorator("schedule", {"rule": rule}, opts)

    def logs(
        self,
        group: str | None = None,
        *,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Handle each log event of a CloudWatch Logs subscription for ``group`` (globs
        allowed); ``on_decode_error="drop"`` skips the lines a typed payload cannot read (a
        Lambda log group's ``START``/``END``/``REPORT`` lines next to JSON ones)."""
        opts = RouteOptions(on_decode_error=on_decode_error, threaded=threaded)
        return self._record_decorator("cloudwatch-logs", {"group": group}, opts)

    def ses(self, recipient: str | None = None, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle SES receipts for ``recipient`` (an address, or a domain for all its addresses)."""
        return self._record_decorator(
            "ses", {"recipient": recipient}, RouteOptions(threaded=threaded)
        )

    def invoke(
        self,
        name: str | None = None,
        *,
        field: str = "action",
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle direct invocations whose ``field`` equals ``name``, or by payload type.

        ``idempotent``: run once per invocation request id, whose result is stored and
        returned again when Lambda retries it (``idempotency_key``: per key of the
        decoded payload); see docs/idempotency.md."""

        require_name(name, "name", "invoke")
        require_name(field, "field", "invoke", optional=False)
        opts = RouteOptions(
            threaded=threaded, idempotent=idempotent, idempotency_key=idempotency_key
        )

        def decorator(fn: F) -> F:
            from lambent._direct import add_invoke_route

            add_invoke_route(
                self._registry.routes, fn, name, field, opts,
                lambda where, plan: self._observed(where, plan, opts, None),
            )  # fmt: skip
            return fn

        return decorator

    def before_batch(self, fn: F) -> F:
        """Call ``fn(batch)`` before each batch runs (``batch``: a :class:`lambent.BatchInfo`)."""
        self._registry.before_batch.append(fn)
        return fn

    def after_batch(self, fn: F) -> F:
        """Call ``fn(batch)`` after each batch ran, with its outcome counts."""
        self._registry.after_batch.append(fn)
        return fn


def _compile(kind: str, filters: Mapping[str, Any]) -> tuple[tuple[EventSource, ...], Filter]:
    """The sources of ``kind`` and the route filter they compile ``filters`` into."""
    from lambent import sources

    specs = sources.load(kind)
    if not specs or response_rules(specs[0]).web:
        raise ConfigurationError(f"unknown source kind {kind!r}")
    try:
        return specs, specs[0].route_filter(**filters)
    except TypeError as exc:
        raise ConfigurationError(f"{kind} route: {exc}") from None
