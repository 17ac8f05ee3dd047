"""What an app has registered, owned in one place.

:class:`Registry` holds the app's one route table (:mod:`lambent._routes`: the record and
event routes, and the web router's routes, plugged into it when the web router is made),
the web router (``lambent.http``, made on first use so that apps without HTTP routes never
import it), the batch hooks, the app-wide FIFO default, and the idempotency store and
metrics that routes declaring them need. A :class:`~lambent.Router` has one too;
:meth:`Registry.include` adds a router's to an app's. The :class:`~lambent.App` is
composed of a registry, a runtime (:mod:`lambent._runtime`) and its lifespan; its
decorators (in :mod:`lambent._record_routes` and :mod:`lambent._web`) hold no state of
their own and write only here; the pipeline reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambent._errors import ConfigurationError
from lambent._routes import Inclusion, RouteTable

if TYPE_CHECKING:
    from lambent.idempotency import IdempotencyStore
    from lambent.metrics import Metrics

__all__ = ["Registered", "Registry"]


class Registry:
    """Routes, web router, hooks: everything the decorators add to."""

    __slots__ = (
        "after_batch",
        "before_batch",
        "closed",
        "idempotency",
        "metrics",
        "owner",
        "router",
        "routes",
        "strict_fifo",
        "web",
        "web_loop",
    )

    def __init__(
        self,
        owner: Any,
        *,
        strict_fifo: bool | None,
        idempotency: IdempotencyStore | None = None,
        metrics: Metrics | None = None,
        router: bool = False,
    ) -> None:
        #: the app the web router is made for (it reads the app's deadline margin)
        self.owner = owner
        self.routes = RouteTable()
        #: the web router, once an HTTP-family route is registered
        self.web: Any = None
        self.before_batch: list[Callable[..., Any]] = []
        self.after_batch: list[Callable[..., Any]] = []
        #: SQS FIFO routes stop the whole batch at the first failure unless they say
        #: (``None``, a router's: the including app's)
        self.strict_fifo = strict_fifo
        #: a web handler is ``async def`` or threaded: invocations need the event loop
        self.web_loop = False
        #: the store idempotent routes need (checked when they are registered)
        self.idempotency = idempotency
        #: the metrics a handler's ``Metrics`` parameter gets
        self.metrics = metrics
        if metrics is not None:
            from lambent.metrics import check_dispatched

            check_dispatched(metrics)
        #: a router's: the idempotency and metrics of its routes are checked (and a
        #: ``Metrics`` parameter given its value) when it is included into an app
        self.router = router
        #: why nothing more can be registered (a router once included), or None
        self.closed: str | None = None

    def web_router(self) -> Any:
        """The web router, made on first use."""
        if self.web is None:
            if self.closed is not None:
                raise ConfigurationError(f"cannot add a web route: {self.closed}")
            import lambent.http._compiled  # noqa: F401  (compiled at freeze: imported now,
            from lambent.http import HttpRouter  # so that the first request imports nothing)

            self.web = HttpRouter(self.owner, self.routes)  # its routes live in ours
        return self.web

    def freeze(self) -> None:
        """No more routes (the app handles its first event)."""
        self.routes.freeze()
        if self.web is not None:
            self.web.freeze()

    def seal(self, reason: str) -> None:
        """No more routes, for ``reason`` (a router once included: its routes were copied)."""
        if self.closed is None:
            self.closed = reason
            self.routes.close(reason)
            if self.web is not None:
                self.web.seal(reason)

    def include(self, other: Registry, *, prefix: str, tags: tuple[str, ...]) -> None:
        """Add what ``other`` (a router's registry) holds, resolved already: its routes,
        every family through the route table (:meth:`RouteTable.adopt`: HTTP paths under
        ``prefix``, tagged ``tags``), its exception handlers and hooks. Every conflict is
        found, and raised naming both routes, before anything is added."""
        how = Inclusion(
            prefix=prefix,
            tags=tags,
            middleware=() if other.web is None else tuple(other.web.middleware),
            strict_fifo=self.strict_fifo,
            checked=not self.router,
            idempotency=self.idempotency,
            metrics=self.metrics,
        )
        adopted = self.routes.adopt(other.routes, how)
        if other.web is not None:
            self.web_router().check_include(other.web)  # its families plugged in here now
        self.routes.add_adopted(adopted)
        if other.web is not None:
            self.web_router().include(other.web)
        self.web_loop = self.web_loop or other.web_loop
        self.before_batch.extend(other.before_batch)
        self.after_batch.extend(other.after_batch)


class Registered:
    """A part of the app that reaches what it registered through :attr:`_registry`
    (declared here, once; set by the app's constructor)."""

    _registry: Registry
