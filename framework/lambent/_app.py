"""The App: decorators that add routes, and the Lambda entry points."""

from __future__ import annotations

import atexit
import contextlib
import inspect
import types
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from lambent._compiled import Compiled, compile_records
from lambent._errors import ConfigurationError
from lambent._fast import FAST, MISS, Pending
from lambent._inject import Slot, qualname
from lambent._pipeline import SMALL_EVENT, NotJSON, handle, handle_bytes
from lambent._record_routes import RecordRoutes
from lambent._registry import Registry
from lambent._routers import Includes
from lambent._routes import RouteTable, require_count, require_seconds
from lambent._runtime import run_loop_free
from lambent._web import WebRoutes
from lambent.sources._decorators import SourceRoutes

if TYPE_CHECKING:
    from lambent.idempotency import IdempotencyStore
    from lambent.metrics import Metrics
    from lambent.tracing import Tracing

F = TypeVar("F", bound=Callable[..., Any])
#: what ``App(lifespan=)`` takes: a factory of an async context manager, given the app
#: (``@contextlib.asynccontextmanager``); an ``async def`` that ``yield``s once, or a sync
#: context manager factory or generator function, are taken too (:func:`as_lifespan`)
Lifespan = Callable[
    ["App"],
    AbstractAsyncContextManager[Any]
    | contextlib.AbstractContextManager[Any]
    | AsyncIterator[Any]
    | Iterator[Any],
]


def as_lifespan(lifespan: object) -> Callable[[App], Any]:
    """``lifespan`` as a factory of a context manager: an async generator function (an
    ``async def`` that ``yield``s once, as Starlette takes one) or a generator function
    made one with :mod:`contextlib`; anything that cannot be called with the app is a
    :class:`~lambent.ConfigurationError` now, not a ``TypeError`` at the first event."""
    if not callable(lifespan):
        raise ConfigurationError(f"lifespan: {lifespan!r} is not callable")
    name = qualname(lifespan)
    try:
        inspect.signature(lifespan).bind(None)
    except TypeError:
        raise ConfigurationError(
            f"lifespan {name} must take the app: async def lifespan(app: App) -> "
            "AsyncIterator[None], decorated with @contextlib.asynccontextmanager"
        ) from None
    except ValueError:  # no signature to read (a builtin): called as it is
        pass
    if inspect.isasyncgenfunction(lifespan):
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        return contextlib.contextmanager(lifespan)
    return lifespan  # what it makes is checked when it is entered


class App(RecordRoutes, WebRoutes, SourceRoutes, Includes):
    """A Lambda function's routes, options and entry points.

    Composed of a :class:`~lambent._registry.Registry` (what the decorators add: routes,
    web router, hooks), a runtime (:mod:`lambent._runtime`, made on first use) and the
    lifespan; the decorators come from two stateless interfaces (record sources, HTTP).

    ``concurrency``: how many records of a batch run at once (per route overridable);
    ``deadline_margin``: seconds kept free before the Lambda deadline to report
    unfinished records; ``lifespan``: an async context manager factory entered once
    per container (``app.state`` holds what it sets up); ``strict_fifo``: SQS FIFO
    batches stop at the first failure, as AWS documents (default: only the failed
    record's message group stops); ``idempotency``: the store of idempotent routes
    (:mod:`lambent.idempotency`); ``metrics``: CloudWatch metrics written per invocation
    (:mod:`lambent.metrics`); ``tracing``: OpenTelemetry spans (:mod:`lambent.tracing`).
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        concurrency: int = 100,
        deadline_margin: float = 0.5,
        lifespan: Lifespan | None = None,
        strict_fifo: bool = False,
        idempotency: IdempotencyStore | None = None,
        metrics: Metrics | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        require_count(concurrency, "concurrency")
        require_seconds(deadline_margin, "deadline_margin")
        self.name = name or "lambent"
        self.concurrency = concurrency
        self.deadline_margin = deadline_margin
        self.tracing = tracing
        self.state = types.SimpleNamespace()
        self._registry = Registry(
            self, strict_fifo=strict_fifo, idempotency=idempotency, metrics=metrics
        )
        self._lifespan = None if lifespan is None else as_lifespan(lifespan)
        self._stack: contextlib.AsyncExitStack | None = None
        self._loop: Any = None
        self._cold = True
        #: decided at the first ``handler`` call: every invocation runs without a loop
        self._loop_free: bool | None = None
        #: source kinds whose routes only need payloads: decoded with lean Structs
        self._lean_kinds: frozenset[str] = frozenset()
        #: HTTP requests answered by compiled routes (set at freeze; see lambent._fast)
        self._fast_http: Callable[..., Any] | None = None
        #: ``_fast_http`` when the app has no record routes (an HTTP-only app: its small
        #: events' bytes are offered to it first)
        self._fast_bytes: Callable[..., Any] | None = None
        #: an HTTP-only app's answer from the invocation's bytes, before any decoding
        #: (:func:`lambent.http._compiled.compile_http_both`; set at freeze)
        self._fast_lean: Callable[[bytes, Any], Any] | None = None
        #: raw record batches answered by one compiled function (set at freeze)
        self._fast_records: Compiled | None = None

    @property
    def routes(self) -> RouteTable:
        """The app's route table: iterating it gives the record and event routes; the web
        router's routes (HTTP paths, WebSocket, authorizer, edge) are its other matchers."""
        return self._registry.routes

    @property
    def strict_fifo(self) -> bool:
        return bool(self._registry.strict_fifo)  # an app's is never None (a router's is)

    @property
    def idempotency(self) -> IdempotencyStore | None:
        """The store of the idempotent routes (``None``: the app has none)."""
        return self._registry.idempotency

    @property
    def metrics(self) -> Metrics | None:
        """The CloudWatch metrics the dispatcher and handlers write (``None``: none)."""
        return self._registry.metrics

    @contextlib.contextmanager
    def _overriding(
        self, overrides: Mapping[Callable[..., Any], Callable[..., Any]]
    ) -> Iterator[None]:
        """Run ``Depends`` providers' replacements while the block runs (the test
        client's ``overrides``). Invocations go on the loop: replacements are solved
        under the deadline with anyio, sync ones too."""
        web = self._registry.web
        if not overrides or web is None:
            yield
            return
        if not self._registry.web_loop:
            self._registry.web_loop = True
            self._loop_free = None  # decided again at the next call
            self._fast_http = self._fast_bytes = self._fast_lean = self._fast_records = None
        saved = web.overrides
        web.overrides = {**saved, **overrides}
        try:
            yield
        finally:
            web.overrides = saved

    # ------------------------------------------------------------------ entry points

    def handler(self, event: Any, context: Any = None) -> Any:
        """The synchronous Lambda entry point (``module.handler`` with ``handler = app.handler``).

        Runs :meth:`dispatch` on one event loop that lives across warm invocations. An app
        whose handlers and hooks are all plain ``def`` (none threaded) and that has no
        lifespan needs no loop: its invocations run straight through, as a plain
        function would, which saves the loop's cost on every invocation.
        """
        fast = self._fast_http
        if fast is not None:
            out = fast(event, context)
            if out is not MISS:
                return run_loop_free(out.awaitable) if type(out) is Pending else out
        records = self._fast_records
        if records is not None:
            out = records.raw(event, context)
            if out is not MISS:
                return out
        if self._loop_free is None:
            self._loop_free = self._needs_no_loop()
        if self._loop_free:
            return run_loop_free(self.dispatch(event, context))
        if self._loop is None:
            from lambent._runtime import LoopOwner

            self._loop = LoopOwner()
            atexit.register(self._close_at_exit)
        return self._loop.run(self.dispatch(event, context))

    def _needs_no_loop(self) -> bool:
        """True when no part of the app can await: plain handlers and hooks, no lifespan."""
        registry = self._registry
        if not FAST.loop_free or self._lifespan is not None or registry.web_loop:
            return False
        if self.idempotency is not None:
            from lambent.idempotency import ImmediateStore

            if not isinstance(self.idempotency, ImmediateStore):  # its store is awaited
                return False
        hooks = (*registry.before_batch, *registry.after_batch)
        if any(inspect.iscoroutinefunction(h) for h in hooks):
            return False
        return not any(r.plan.is_async or r.options.threaded for r in self.routes)

    async def dispatch(self, event: Any, context: Any = None) -> Any:
        """Handle one invocation: detect the source, route, run, and build the result."""
        if self._stack is None:
            await self._start()
        fast = self._fast_http
        if fast is not None:
            out = fast(event, context)
            if out is not MISS:
                return await out.awaitable if type(out) is Pending else out
        records = self._fast_records
        if records is not None:
            out = records.raw(event, context)
            if out is not MISS:
                return out
        return await handle(self, event, context)

    async def dispatch_bytes(self, body: bytes, context: Any = None) -> Any:
        """:meth:`dispatch` for the invocation's JSON bytes, as the Runtime API sends them:
        record events decode straight into Structs (``python -m lambent.runtime`` calls
        it). Raises ``lambent._pipeline.NotJSON`` when ``body`` is not JSON."""
        if self._stack is None:
            await self._start()
        fast = self._fast_bytes
        if fast is not None and len(body) <= SMALL_EVENT:
            lean = self._fast_lean
            if lean is not None:  # the compiled routes, from a lean view of the bytes
                out = lean(body, context)
                if out is not MISS:
                    return await out.awaitable if type(out) is Pending else out
            # an HTTP-only app: its small events are offered to the compiled routes first,
            # as handle_bytes would offer them, with no probe to make
            try:
                event = msgspec.json.decode(body)
            except msgspec.DecodeError as exc:
                raise NotJSON(str(exc)) from None
            out = fast(event, context)
            if out is not MISS:
                return await out.awaitable if type(out) is Pending else out
            return await handle_bytes(self, body, context, event)
        return await handle_bytes(self, body, context)

    def _lean(self) -> frozenset[str]:
        """Kinds whose every route takes only the payload, context or logger (and no batch
        hook sees the items): their records need not become full Structs."""
        if self._registry.before_batch or self._registry.after_batch or not FAST.lean_records:
            return frozenset()
        full = {Slot.ITEM, Slot.EVENT, Slot.ITEMS, Slot.NAMED, Slot.STATE}
        kinds = {r.kind for r in self.routes}
        return frozenset(
            kind
            for kind in kinds
            if not any((r.plan.wants & full) or r.options.window for r in self.routes.routes(kind))
        )

    async def _start(self) -> None:
        self._lean_kinds = self._lean()
        self._registry.freeze()
        self._fast_http, lean = self._compiled_http()
        self._fast_bytes = self._fast_http if not self.routes else None
        self._fast_lean = lean if self._fast_bytes is not None else None
        if FAST.compiled_records and FAST.raw_records:
            self._fast_records = compile_records(self)
        stack = contextlib.AsyncExitStack()
        if self._lifespan is not None:
            await _enter(stack, self._lifespan, self)
        self._stack = stack

    def _compiled_http(self) -> tuple[Callable[..., Any] | None, Callable[..., Any] | None]:
        """The compiled answers to HTTP requests (from their events, from their bytes), for
        a loop-free app with HTTP routes."""
        web = self._registry.web
        if web is None or not FAST.compiled_http or not self._needs_no_loop():
            return None, None
        from lambent.http._compiled import compile_http_both

        return compile_http_both(self, web) or (None, None)

    async def aclose(self) -> None:
        """Leave the lifespan (lambent calls it at interpreter exit for ``app.handler``)."""
        self._fast_http = self._fast_bytes = self._fast_lean = self._fast_records = None
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    def _close_at_exit(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.run(self.aclose())
            self._loop.close()
            self._loop = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[App]:
        """``async with app.running():`` enters the lifespan now and leaves it at the end."""
        if self._stack is None:
            await self._start()
        try:
            yield self
        finally:
            await self.aclose()


async def _enter(
    stack: contextlib.AsyncExitStack, lifespan: Callable[[App], Any], app: App
) -> None:
    """Enter what ``lifespan(app)`` makes: an async context manager, or a sync one."""
    made = lifespan(app)
    if hasattr(made, "__aenter__") and hasattr(made, "__aexit__"):
        await stack.enter_async_context(made)
    elif hasattr(made, "__enter__") and hasattr(made, "__exit__"):
        stack.enter_context(made)
    else:
        if inspect.iscoroutine(made):
            made.close()  # never awaited: no warning
        raise ConfigurationError(
            f"lifespan {qualname(lifespan)} returned {type(made).__name__}, not a context "
            "manager: decorate it with @contextlib.asynccontextmanager and yield once"
        )


def dependency_overrides(
    app: object, overrides: Mapping[Callable[..., Any], Callable[..., Any]]
) -> contextlib.AbstractContextManager[None]:
    """While the block runs, ``Depends`` providers of ``app``'s web routes are replaced as
    ``overrides`` says (the test client's seam); a no-op for anything but an
    :class:`App` or without overrides."""
    if not isinstance(app, App) or not overrides:
        return contextlib.nullcontext()
    return app._overriding(overrides)
