"""Routers: routes declared in several modules and included into one app.

A :class:`Router` has every decorator an :class:`~lambent.App` has. Its routes are
resolved when its decorators run, into its own route table (and web router), exactly
as an app's; ``app.include(router, prefix="/v1")`` then adds those resolved routes to
the app's tables, so no handler is inspected twice. The prefix applies to HTTP paths
only; a route that conflicts with one of the app's raises there, naming both. A router
may include routers; once included it takes no more routes (its routes were copied).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any

from lambent._errors import ConfigurationError
from lambent._record_routes import RecordRoutes, _Hooks
from lambent._routes import Route, RouteTable
from lambent._web import WebRoutes

_INCLUDED = "the router was included already; declare its routes before including it"
_PREFIX = re.compile(r"(/[^/{}]+)*")


class Includes:
    """``include``, shared by :class:`~lambent.App` and :class:`Router`."""

    routes: RouteTable
    strict_fifo: bool | None
    _http: Any
    _before_batch: _Hooks
    _after_batch: _Hooks
    _web_needs_loop: bool

    #: the web router, made on first use (WebRoutes)
    _web: Callable[[], Any]

    def include(self, router: Router, *, prefix: str = "", tags: Iterable[str] = ()) -> None:
        """Add ``router``'s routes, hooks, middleware and exception handlers. ``prefix``
        (``"/v1"``) goes before its HTTP paths; ``tags`` are added to its own (OpenAPI)."""
        if not isinstance(router, Router):
            raise ConfigurationError(f"include() takes a lambent.Router, not {router!r}")
        if router is self:
            raise ConfigurationError("a router cannot include itself")
        prefix = prefix.rstrip("/")
        if prefix and _PREFIX.fullmatch(prefix) is None:
            raise ConfigurationError(
                f"include prefix {prefix!r}: a literal path such as '/v1' (no parameters)"
            )
        router._sealed()
        routes = [self._adopted(route) for route in router.routes]
        # every conflict is found before anything is added: a failed include adds nothing
        for route in routes:
            self.routes.check(route, overlaps=_overlaps(route.kind))
        if router._http is not None:
            self._web().check_include(router._http, prefix=prefix)
        for route in routes:
            self.routes.add(route, overlaps=_overlaps(route.kind))
        if router._http is not None:
            self._web().include(router._http, prefix=prefix, tags=(*tags, *router.tags))
        for hook in router._before_batch:
            self._before_batch.append(hook)
        for hook in router._after_batch:
            self._after_batch.append(hook)
        if router._web_needs_loop:
            self._web_needs_loop = True

    def _adopted(self, route: Route) -> Route:
        """``route`` with this app's defaults for what its router left open."""
        if route.options.strict_order is None and self.strict_fifo is not None:
            options = dataclasses.replace(route.options, strict_order=self.strict_fifo)
            return dataclasses.replace(route, options=options)
        return route


def _overlaps(kind: str) -> Any:
    from lambent import sources

    specs = sources.load(kind)
    return specs[0].overlaps if specs else None


class Router(RecordRoutes, WebRoutes, Includes):
    """A group of routes to include in an app: ``router = Router(tags=["orders"])``,
    ``@router.get("/orders")``, ``@router.sqs("orders")``, ..., then
    ``app.include(router, prefix="/v1")``.

    ``tags`` name the router's HTTP routes in the OpenAPI document. SQS routes that
    do not say ``strict_order`` take the including app's ``strict_fifo``.
    """

    def __init__(self, *, tags: Iterable[str] = ()) -> None:
        self.tags = tuple(tags)
        self.routes = RouteTable()
        self.strict_fifo = None
        self._http = None
        self._before_batch: list[Callable[..., Any]] = []
        self._after_batch: list[Callable[..., Any]] = []
        self._included = False

    def _sealed(self) -> None:
        if self._included:
            return
        self._included = True
        self.routes.freeze(_INCLUDED)
        if self._http is not None:
            self._http.seal(_INCLUDED)

    def _web(self) -> Any:
        if self._included and self._http is None:
            raise ConfigurationError(f"cannot add a web route: {_INCLUDED}")
        return super()._web()

    def configure_http(self, *args: object, **kwargs: object) -> None:
        """HTTP options are the app's: call ``app.configure_http``."""
        raise ConfigurationError("configure_http() is an app option; call it on the App")
