"""HTTP, WebSocket, authorizer and Lambda@Edge decorators of the App.

They register with the app's web router (``lambent.http``), created on first use
so that apps without HTTP routes never import it.

Authorizer and Lambda@Edge events are "single" sources for the record dispatcher; until it
hands them to the web router directly, each gets one bridge route in the app's route
table that forwards the decoded event to the web router.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from lambent._errors import ConfigurationError, RoutingError
from lambent._logging import Logger
from lambent._routes import RouteTable, require_name
from lambent.sources._base import SourceSpec

F = TypeVar("F", bound=Callable[..., Any])

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class WebRoutes:
    """Mixin: the HTTP-family decorators of :class:`lambent.App`."""

    _http: Any
    routes: RouteTable

    def _web(self) -> Any:
        if self._http is None:
            from lambent.http import HttpRouter

            self._http = HttpRouter(self)
        return self._http

    #: a web handler is ``async def`` or threaded: invocations need the event loop
    _web_needs_loop: bool = False

    def _register(self, method: str, *args: Any, **options: Any) -> None:
        if options.get("threaded") or any(inspect.iscoroutinefunction(a) for a in args):
            self._web_needs_loop = True
        try:
            getattr(self._web(), method)(*args, **options)
        except TypeError as exc:
            if "unexpected keyword argument" not in str(exc):
                raise
            raise ConfigurationError(f"{method.removeprefix('add_')}: {exc}") from None

    def configure_http(self, **options: Any) -> None:
        """Set app-wide HTTP options (see :class:`lambent.http.HttpConfig`):
        ``cors=CORS(...)``, ``max_body_size=`` (bytes, 413 above), ``api_gateway_timeout=``."""
        self._web().configure(**options)

    def exception_handler(self, exc_type: type[Exception]) -> Callable[[F], F]:
        """Answer HTTP requests whose handler raised ``exc_type`` (or a subclass) with
        ``fn(request, exc)``'s return value (a Response or any plain return)."""

        def decorator(fn: F) -> F:
            self._web().add_exception_handler(exc_type, fn)
            if inspect.iscoroutinefunction(fn):
                self._web_needs_loop = True
            return fn

        return decorator

    def route(
        self, path: str, methods: Iterable[str] = ("GET",), **options: Any
    ) -> Callable[[F], F]:
        """Handle HTTP requests to ``path`` (a template like ``/orders/{order_id}``)."""
        given: object = path  # typed str, but a decorator used bare passes the handler
        if not isinstance(given, str):
            caller = sys._getframe(1).f_code.co_name  # get, post, ... or the user's code
            shortcut = caller.upper() in HTTP_METHODS
            require_name(path, "path", caller if shortcut else "route", optional=False)
        chosen = tuple(m.upper() for m in ([methods] if isinstance(methods, str) else methods))
        unknown = [m for m in chosen if m not in HTTP_METHODS]
        if unknown or not chosen:
            raise ConfigurationError(f"route {path!r}: unknown HTTP methods {unknown or chosen}")

        def decorator(fn: F) -> F:
            self._register("add_route", chosen, path, fn, **options)
            return fn

        return decorator

    def get(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ("GET",), **options)

    def post(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ("POST",), **options)

    def put(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ("PUT",), **options)

    def patch(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ("PATCH",), **options)

    def delete(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ("DELETE",), **options)

    def head(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ("HEAD",), **options)

    def options(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ("OPTIONS",), **options)

    def websocket(self, route_key: str, **options: Any) -> Callable[[F], F]:
        """Handle API Gateway WebSocket messages for ``route_key`` (``$connect``, ``$default``, ...)."""
        require_name(route_key, "route key", "websocket", optional=False)

        def decorator(fn: F) -> F:
            self._register("add_websocket", route_key, fn, **options)
            return fn

        return decorator

    def authorizer(self, kind: str | None = None, **options: Any) -> Callable[[F], F]:
        """Handle API Gateway Lambda authorizer requests (``kind``: ``TOKEN``, ``REQUEST``,
        ``HTTP`` for HTTP API payload 2.0, ``None`` for any)."""
        require_name(kind, "kind", "authorizer")

        def decorator(fn: F) -> F:
            self._register("add_authorizer", kind, fn, **options)
            return fn

        return decorator

    def edge(self, event_type: str, path: str | None = None, **options: Any) -> Callable[[F], F]:
        """Handle CloudFront Lambda@Edge events of ``event_type`` (``viewer-request``, ...)."""
        require_name(event_type, "event type", "edge", optional=False)
        require_name(path, "path", "edge")

        def decorator(fn: F) -> F:
            self._register("add_edge", event_type, path, fn, **options)
            return fn

        return decorator

    def _web_dispatch(
        self, spec: SourceSpec[Any, Any], event: Any, context: Any, log: Logger
    ) -> Awaitable[Any]:
        """The web router's answer to ``event``, to await (one coroutine less per request)."""
        if self._http is None:
            raise RoutingError(
                spec.kind, {"routes": "the app has no HTTP, WebSocket, authorizer or edge routes"}
            )
        result: Awaitable[Any] = self._http.dispatch(spec, event, context, log)
        return result
