"""What an app has registered, owned in one place.

:class:`Registry` holds the route table of the record and event sources, the web router
(``lambent.http``, made on first use so that apps without HTTP routes never import it),
the batch hooks and the app-wide FIFO default. The :class:`~lambent.App` is composed of a
registry, a runtime (:mod:`lambent._runtime`) and its lifespan; its decorators (in
:mod:`lambent._record_routes` and :mod:`lambent._web`) hold no state of their own and
write only here; the pipeline reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambent._routes import RouteTable

__all__ = ["Registered", "Registry"]


class Registry:
    """Routes, web router, hooks: everything the decorators add to."""

    __slots__ = ("after_batch", "before_batch", "owner", "routes", "strict_fifo", "web", "web_loop")

    def __init__(self, owner: Any, *, strict_fifo: bool) -> None:
        #: the app the web router is made for (it reads the app's deadline margin)
        self.owner = owner
        self.routes = RouteTable()
        #: the web router, once an HTTP-family route is registered
        self.web: Any = None
        self.before_batch: list[Callable[..., Any]] = []
        self.after_batch: list[Callable[..., Any]] = []
        #: SQS FIFO routes stop the whole batch at the first failure unless they say
        self.strict_fifo = strict_fifo
        #: a web handler is ``async def`` or threaded: invocations need the event loop
        self.web_loop = False

    def web_router(self) -> Any:
        """The web router, made on first use."""
        if self.web is None:
            from lambent.http import HttpRouter

            self.web = HttpRouter(self.owner)
        return self.web

    def freeze(self) -> None:
        """No more routes (the app handles its first event)."""
        self.routes.freeze()
        if self.web is not None:
            self.web.freeze()


class Registered:
    """A part of the app that reaches what it registered through :attr:`_registry`
    (declared here, once; set by the app's constructor)."""

    _registry: Registry
