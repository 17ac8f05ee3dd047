"""Routers: routes declared in several modules and included into one app.

A :class:`Router` has every decorator an :class:`~lambent.App` has. Its routes are
resolved when its decorators run, into its own :class:`~lambent._registry.Registry`,
exactly as an app's; ``app.include(router, prefix="/v1")`` then adds those resolved
routes to the app's registry (:meth:`~lambent._registry.Registry.include`), so no handler
is inspected twice. The prefix applies to HTTP paths only; a route that conflicts with
one of the app's raises there, naming both, and nothing is added. A router may include
routers; once included it takes no more routes (its routes were copied).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lambent._errors import ConfigurationError
from lambent._record_routes import RecordRoutes
from lambent._registry import Registered, Registry
from lambent._web import WebRoutes
from lambent.sources._decorators import SourceRoutes

_INCLUDED = "the router was included already; declare its routes before including it"
_PREFIX = re.compile(r"(/[^/{}]+)*")


class Includes(Registered):
    """``include``, shared by :class:`~lambent.App` and :class:`Router`."""

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
        router._registry.seal(_INCLUDED)
        self._registry.include(router._registry, prefix=prefix, tags=(*tags, *router.tags))


class Router(RecordRoutes, WebRoutes, SourceRoutes, Includes):
    """A group of routes to include in an app: ``router = Router(tags=["orders"])``,
    ``@router.get("/orders")``, ``@router.sqs("orders")``, ..., then
    ``app.include(router, prefix="/v1")``.

    ``tags`` name the router's HTTP routes in the OpenAPI document. SQS routes that
    do not say ``strict_order`` take the including app's ``strict_fifo``.
    """

    def __init__(self, *, tags: Iterable[str] = ()) -> None:
        self.tags = tuple(tags)
        self._registry = Registry(self, strict_fifo=None, router=True)

    def configure_http(self, *args: object, **kwargs: object) -> None:
        """HTTP options are the app's: call ``app.configure_http``."""
        raise ConfigurationError("configure_http() is an app option; call it on the App")
