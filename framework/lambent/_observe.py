"""Around one invocation's run: idempotency per record, metrics and spans.

The pipeline calls three things here, each a no-op for an app that configured nothing:

* :func:`observe` wraps the invocation: the app's ``Metrics`` collect what handlers add
  (written when it ends) and, with ``tracing``, the invocation's span is open;
* :func:`guard` (with ``idempotency`` and keyed routes) reads the batch's keys in one
  call, decides the records already done (succeeded, not run), held elsewhere or
  reused with other content (failed), and makes the keyed routes' runners claim, run
  and complete (or release) their key;
* :func:`trace_runners` gives each record that runs its span.

The outcomes of the batch (the dispatcher's metrics, the spans of records that never
ran) are written by :mod:`lambent._outcomes`, from the same statuses as the response.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext, suppress
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from lambent._dispatch import Batch, Runner
from lambent._errors import ConfigurationError, DeadlineExceeded
from lambent._inject import HandlerPlan, Slot, shared_slot, signature_params
from lambent._run import coroutine_of

if TYPE_CHECKING:
    from lambent._app import App
    from lambent._outcomes import Ids
    from lambent._routes import RouteOptions
    from lambent.idempotency import IdempotencyStore
    from lambent.idempotency._batch import Guarded
    from lambent.metrics import Metrics
    from lambent.sources import EventSource
    from lambent.tracing import InvocationTrace

T = TypeVar("T")

#: a claim's expiry when the context has no deadline: Lambda's longest timeout
_NO_DEADLINE = 900.0


class Observation:
    """What one invocation observes: when it started, whether it is a cold start, its span,
    and (a web event) whether lambent answered it at its deadline."""

    __slots__ = ("cold", "cut", "started", "trace")

    def __init__(self, cold: bool) -> None:
        self.cold = cold
        self.started = time.monotonic()
        self.trace: InvocationTrace | None = None
        #: the web router answered at lambent's deadline (:func:`cut_by_deadline`)
        self.cut = False


#: the app's metrics while one of its invocations runs: what a ``Metrics`` parameter of
#: a WebSocket, authorizer, edge or direct-invocation handler gets
current_metrics: ContextVar[Metrics | None] = ContextVar("lambent.metrics", default=None)
#: the observation of the web event being answered (set only for web events)
_web_event: ContextVar[Observation | None] = ContextVar("lambent.web_event", default=None)


def cut_by_deadline() -> None:
    """The web router's seam: the event being answered (an HTTP request, a WebSocket
    message) was cut by lambent's deadline, and is answered for it (``504``); the
    dispatcher counts it in ``RecordsCutByDeadline``, not as a failed 5xx. A no-op
    when the invocation observes nothing."""
    obs = _web_event.get()
    if obs is not None:
        obs.cut = True


def observe(
    app: App, kind: str, context: Any, cold: bool, *, http: bool = False
) -> AbstractContextManager[Observation | None]:
    """The invocation's metrics collection and span (``None``: the app observes nothing).

    Metrics alone (the common case) take a small context manager object rather than a
    generator and an ``ExitStack``: this runs once per invocation, beside the batch."""
    metrics, tracing = app.metrics, app.tracing
    if metrics is None and tracing is None:
        return _NOTHING
    if tracing is None:
        assert metrics is not None
        return _Measuring(metrics, Observation(cold), http)
    return _traced(app, kind, context, cold, http)


_NOTHING: AbstractContextManager[None] = nullcontext()


class _Measuring:
    """:func:`observe` for an app with metrics and no tracing: the invocation's
    ``Metrics`` collection (and the web event's observation) while the block runs."""

    __slots__ = ("_current", "_http", "_metrics", "_obs", "_token", "_web")

    def __init__(self, metrics: Metrics, obs: Observation, http: bool) -> None:
        self._metrics, self._obs, self._http = metrics, obs, http

    def __enter__(self) -> Observation:
        obs = self._obs
        self._web = _web_event.set(obs) if self._http else None
        self._token = self._metrics.begin()
        self._current = current_metrics.set(self._metrics)
        return obs

    def __exit__(self, *exc: object) -> None:
        current_metrics.reset(self._current)
        try:
            self._metrics.end(self._token)
        finally:
            if self._web is not None:
                _web_event.reset(self._web)


@contextmanager
def _traced(
    app: App, kind: str, context: Any, cold: bool, http: bool
) -> Iterator[Observation | None]:
    """:func:`observe` for an app with tracing (and perhaps metrics)."""
    metrics, tracing = app.metrics, app.tracing
    assert tracing is not None
    obs = Observation(cold)
    with ExitStack() as stack:
        if http:
            stack.callback(_web_event.reset, _web_event.set(obs))
        if metrics is not None:
            stack.enter_context(metrics.invocation())
            stack.callback(current_metrics.reset, current_metrics.set(metrics))
        obs.trace = stack.enter_context(
            tracing.invocation(source=kind, context=context, cold_start=cold, http=http)
        )
        yield obs


_NEEDS_STORE = (
    "idempotent routes need a store: App(idempotency=MemoryStore()) "
    "or App(idempotency=DynamoDBStore(table))"
)
_NEEDS_METRICS = "declares Metrics, but the app has none: App(metrics=Metrics(namespace=...))"


def require_metrics(fn: Callable[..., Any], metrics: Metrics | None, where: str) -> None:
    """Refuse a handler declaring a ``Metrics`` parameter on an app without metrics."""
    if metrics is not None:
        return
    name, params = signature_params(fn, where)
    if any(shared_slot(p.name, ann) is Slot.METRICS for p, ann in params):
        raise ConfigurationError(f"{where}: {name} {_NEEDS_METRICS}")


def require_store(store: IdempotencyStore | None, where: str) -> None:
    if store is None:
        raise ConfigurationError(f"{where}: {_NEEDS_STORE}")


def observed_plan(
    where: str,
    plan: HandlerPlan,
    opts: RouteOptions,
    spec: EventSource | None,
    *,
    store: IdempotencyStore | None,
    metrics: Metrics | None,
) -> HandlerPlan:
    """A record, event or direct-invocation route checked against the app's idempotency
    store and metrics (when it is registered on an app, or included into one), with its
    ``Metrics`` parameter given the app's ``metrics``.

    ``spec``: the route's source (``None``: direct invocations)."""
    key_of = opts.idempotency_key
    if key_of is not None and not callable(key_of):
        raise ConfigurationError(
            f"{where}: idempotency_key must be a function of the decoded payload that returns "
            f"its key (idempotency_key=lambda payload: payload.id), not "
            f"{type(key_of).__name__} {key_of!r}"
        )
    if opts.keyed:
        require_store(store, where)
        if opts.window:
            raise ConfigurationError(
                f"{where}: a tumbling-window handler cannot be idempotent: its state is "
                "Lambda's, carried from one invocation to the next and rolled back when a "
                "batch is retried, so leaving out records already done would leave them "
                "out of the window's state; make what the window's final result triggers "
                "idempotent instead"
            )
        if opts.idempotency_key is None and spec is not None and not spec.unique_ids:
            raise ConfigurationError(
                f"{where}: {spec.kind} events carry no id of their own for each delivery, "
                "so idempotent=True has nothing to key by; give "
                "idempotency_key=lambda payload: ... (a key from the payload)"
            )
    if Slot.METRICS not in plan.wants:
        return plan
    if metrics is None:
        raise ConfigurationError(f"{where}: {plan.name} {_NEEDS_METRICS}")
    params = tuple(
        dataclasses.replace(p, getter=lambda _item: metrics) if p.slot is Slot.METRICS else p
        for p in plan.params
    )
    return dataclasses.replace(plan, params=params)


def _status(result: Any) -> int | None:
    """A web answer's status code (a streamed one: its prelude's), if it has one."""
    if not isinstance(result, Mapping):
        result = getattr(result, "prelude", None)
        if not isinstance(result, Mapping):
            return None
    status = result.get("statusCode", result.get("status"))  # Lambda@Edge: "status"
    try:
        return int(status)
    except (TypeError, ValueError):
        return None


def _is_answer(exc: BaseException) -> bool:
    """An exception that is the function's answer: an authorizer's ``Unauthorized``
    (API Gateway answers 401), not a failure."""
    authorizers = sys.modules.get("lambent.http._authorizer")  # loaded with authorizers
    return authorizers is not None and isinstance(exc, authorizers.Unauthorized)


async def measured(
    app: App, kind: str, obs: Observation, answer: Awaitable[T], *, http: bool = False
) -> T:
    """A single event's ``answer`` (an HTTP request, a WebSocket message, an authorizer or
    Lambda@Edge event, a direct invocation), and the dispatcher's document for it: one
    record, succeeded or failed (it raised; ``http``: also a 5xx answer) or cut by the
    deadline (it raised :class:`~lambent.DeadlineExceeded`, or the web router answered
    it at the deadline: :func:`cut_by_deadline`)."""
    metrics, trace = app.metrics, obs.trace
    if metrics is None and (trace is None or not http):
        return await answer  # tracing alone: the invocation's span records what raised
    try:
        result = await answer
    except BaseException as exc:
        if metrics is not None:
            outcome = "cut" if obs.cut or isinstance(exc, DeadlineExceeded) else "failed"
            _write_one(metrics, kind, obs, "succeeded" if _is_answer(exc) else outcome)
        raise
    status = _status(result) if http else None
    if trace is not None:
        trace.answered(status)
    if metrics is not None:
        failed = status is not None and status >= 500
        _write_one(metrics, kind, obs, "cut" if obs.cut else "failed" if failed else "succeeded")
    return result


def _write_one(metrics: Metrics, kind: str, obs: Observation, outcome: str) -> None:
    metrics.write_invocation(
        source=kind,
        size=1,
        succeeded=int(outcome == "succeeded"),
        failed=int(outcome == "failed"),
        dropped=0,
        cut_by_deadline=int(outcome == "cut"),
        duration_ms=(time.monotonic() - obs.started) * 1000,
        cold_start=obs.cold,
    )


def deadline_epoch(context: Any) -> float:
    """When the invocation ends, in epoch seconds (claims expire then)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    seconds = _NO_DEADLINE
    if callable(remaining):
        with suppress(TypeError, ValueError):
            seconds = max(0.0, float(remaining()) / 1000)
    return time.time() + seconds


def through(runner: Runner) -> Callable[[Any, int], Any]:
    """``runner``'s call as a coroutine function (plain and threaded handlers included),
    run by its strategy (:func:`lambent._run.coroutine_of`)."""
    return coroutine_of(runner.strategy, runner.call)


def replace_runners(batch: Batch, make: Callable[[Runner], Runner | None]) -> None:
    made: dict[int, Runner | None] = {}
    runners = batch.runners
    for i, runner in enumerate(runners):
        if runner is None:
            continue
        key = id(runner)
        if key not in made:
            made[key] = make(runner)
        new = made[key]
        if new is not None:
            runners[i] = new


async def guard(
    store: IdempotencyStore,
    spec: EventSource,
    batch: Batch,
    ids: Ids,
    payload_of: Callable[[Any], Any] | None,
    context: Any,
) -> Guarded | None:
    """Idempotency before the batch runs (:func:`lambent.idempotency._batch.guard`)."""
    from lambent.idempotency._batch import guard as guard_batch

    return await guard_batch(store, spec, batch, ids, payload_of, deadline_epoch(context))


async def settle(guarded: Guarded, batch: Batch) -> None:
    """Idempotency after the batch ran: keys completed (results kept) or released."""
    from lambent.idempotency._batch import settle as settle_batch

    await settle_batch(guarded, batch)


def refuse_held(guarded: Guarded, batch: Batch) -> None:
    """Before a self-answering source answers: a record held elsewhere fails the
    invocation instead (it is retried, not answered as failed)."""
    from lambent.idempotency._batch import refuse_held as refuse

    refuse(guarded, batch)


def trace_runners(
    trace: InvocationTrace, spec: EventSource, batch: Batch, ids: Ids, raw: bool
) -> None:
    """Each record that runs gets its span (whole-batch routes: spans after the run)."""
    header_of = (
        (spec.raw.trace_header if spec.raw is not None else None) if raw else spec.trace_header
    )

    def traced(runner: Runner) -> Runner | None:
        if runner.whole:
            return None
        call = runner.call

        def upstream(item: Any) -> str | None:
            return header_of(item) if header_of is not None else None

        if runner.is_async or runner.threaded:
            run = through(runner)

            async def acall(item: Any, index: int) -> Any:
                with trace.record(index, ids.record(index), upstream(item)) as span:
                    result = await run(item, index)
                    trace.outcome(span, "succeeded")
                    return result

            return msgspec.structs.replace(runner, call=acall, is_async=True, threaded=False)

        def scall(item: Any, index: int) -> Any:
            with trace.record(index, ids.record(index), upstream(item)) as span:
                result = call(item, index)
                trace.outcome(span, "succeeded")
                return result

        return msgspec.structs.replace(runner, call=scall)

    replace_runners(batch, traced)
