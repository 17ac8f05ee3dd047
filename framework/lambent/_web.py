"""HTTP, WebSocket, authorizer and Lambda@Edge decorators of the App.

They register with the app's web router (``lambent.http``), created on first use so that
apps without HTTP routes never import it. Every option is an explicit keyword.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from lambent._errors import ConfigurationError, OptionError, RoutingError
from lambent._inject import as_function
from lambent._logging import Logger
from lambent._registry import Registered
from lambent._routes import require_name

if TYPE_CHECKING:
    from lambent.http import CORS, HttpRouter
    from lambent.sources import EventSource

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=Callable[..., Awaitable[Any]])

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


P = ParamSpec("P")
R = TypeVar("R")


def _options(method: Callable[P, R]) -> Callable[P, R]:
    """``method`` with a call it does not accept (an unknown or misspelt keyword option)
    raising :class:`OptionError` naming the method, before anything else runs."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise OptionError(f"{method.__name__}: {exc}") from None
        return method(*args, **kwargs)

    return checked


#: the return annotations of a handler that streams (a StreamingResponse, an async iterator)
_STREAM_NAMES = ("StreamingResponse", "AsyncIterator", "AsyncIterable", "AsyncGenerator")


def _streams(function: Callable[..., Any]) -> bool:
    """Whether a handler's return annotation says it streams: its body, an async iterator,
    is read on an event loop, so a plain ``def`` returning one needs the app to have one
    (an app of plain handlers runs without: the body's first ``await`` failed there with
    anyio's ``NoEventLoopError``). Read from the annotation as written, without resolving
    it (a string under ``from __future__ import annotations``)."""
    annotation = getattr(function, "__annotations__", {}).get("return")
    if isinstance(annotation, str):
        return any(name in annotation for name in _STREAM_NAMES)
    import collections.abc
    import typing

    origin = typing.get_origin(annotation) or annotation
    if not isinstance(origin, type):
        return False
    if issubclass(origin, collections.abc.AsyncIterable):
        return True
    streaming = sys.modules.get("lambent.http._streaming")  # loaded with any web route
    return streaming is not None and issubclass(origin, streaming.StreamingResponse)


def web_router(app: object) -> HttpRouter | None:
    """The web router of ``app`` (an :class:`~lambent.App` or a :class:`~lambent.Router`),
    or None when it has no HTTP, WebSocket, authorizer or edge route (or is neither):
    what the OpenAPI generator, the test client and ``lambent routes`` read."""
    if not isinstance(app, Registered):
        return None
    web: HttpRouter | None = app._registry.web
    return web


class _Unset:
    """The default of an option ``configure_http`` leaves as it is."""


_UNSET: Any = _Unset()


class WebRoutes(Registered):
    """The HTTP-family decorators of :class:`lambent.App`: no state of their own; they add
    to the app's web router (made on first use by its :class:`~lambent._registry.Registry`)."""

    def _web(self) -> Any:
        return self._registry.web_router()

    def _note(self, fn: Callable[..., Any], threaded: bool) -> None:
        function = as_function(fn)
        if threaded or inspect.iscoroutinefunction(function) or _streams(function):
            self._registry.web_loop = True

    @_options
    def configure_http(
        self,
        *,
        cors: CORS | None = _UNSET,
        max_body_size: int | None = _UNSET,
        api_gateway_timeout: float = _UNSET,
    ) -> None:
        """Set app-wide HTTP options (see :class:`lambent.http.HttpConfig`): ``cors=CORS(...)``,
        ``max_body_size=`` (bytes, 413 above; ``None``: no limit), ``api_gateway_timeout=``
        (seconds). Options not given keep their value."""
        given = {
            "cors": cors,
            "max_body_size": max_body_size,
            "api_gateway_timeout": api_gateway_timeout,
        }
        router = self._web()
        changes = {k: v for k, v in given.items() if v is not _UNSET}
        router.configure(dataclasses.replace(router.config, **changes))

    def middleware(self, fn: M) -> M:
        """Wrap HTTP requests in ``async def fn(request, call_next) -> Response``: app
        middleware wraps every request, a router's the routes it holds. The first
        registered is the outermost."""
        self._web().add_middleware(fn)
        self._registry.web_loop = True
        return fn

    def exception_handler(self, exc_type: type[Exception]) -> Callable[[F], F]:
        """Answer HTTP requests whose handler raised ``exc_type`` (or a subclass) with
        ``fn(request, exc)``'s return value (a Response or any plain return)."""

        def decorator(fn: F) -> F:
            self._web().add_exception_handler(exc_type, fn)
            self._note(fn, False)
            return fn

        return decorator

    @_options
    def route(
        self,
        path: str,
        methods: Iterable[str] = ("GET",),
        *,
        threaded: bool = False,
        idempotent: bool = False,
    ) -> Callable[[F], F]:
        """Handle HTTP requests to ``path`` (a template like ``/orders/{order_id}``) with
        ``methods``; ``threaded``: run a plain handler in a worker thread; ``idempotent``:
        run once per ``Idempotency-Key`` header and replay the response (the app's
        ``idempotency`` store keeps it; see docs/idempotency.md)."""
        given: object = path  # typed str, but a decorator used bare passes the handler
        if not isinstance(given, str):
            caller = sys._getframe(
                2
            ).f_code.co_name  # get, post, ... or the user's code (1: _options)
            shortcut = caller.upper() in HTTP_METHODS
            require_name(path, "path", caller if shortcut else "route", optional=False)
        chosen = tuple(m.upper() for m in ([methods] if isinstance(methods, str) else methods))
        unknown = [m for m in chosen if m not in HTTP_METHODS]
        if unknown or not chosen:
            hint = " (API Gateway's ANY: list the methods)" if "ANY" in unknown else ""
            raise ConfigurationError(
                f"route {path!r}: unknown HTTP methods {unknown or chosen}{hint}"
            )

        def decorator(fn: F) -> F:
            route = self._web().add_route(
                chosen, path, fn, threaded=threaded, idempotent=idempotent
            )
            # the store is awaited, and so are async dependencies: a loop
            self._note(fn, threaded or idempotent or route.plan.async_deps)
            return fn

        return decorator

    @_options
    def get(self, path: str, *, threaded: bool = False) -> Callable[[F], F]:
        return self.route(path, ("GET",), threaded=threaded)

    @_options
    def post(
        self, path: str, *, threaded: bool = False, idempotent: bool = False
    ) -> Callable[[F], F]:
        return self.route(path, ("POST",), threaded=threaded, idempotent=idempotent)

    @_options
    def put(
        self, path: str, *, threaded: bool = False, idempotent: bool = False
    ) -> Callable[[F], F]:
        return self.route(path, ("PUT",), threaded=threaded, idempotent=idempotent)

    @_options
    def patch(
        self, path: str, *, threaded: bool = False, idempotent: bool = False
    ) -> Callable[[F], F]:
        return self.route(path, ("PATCH",), threaded=threaded, idempotent=idempotent)

    @_options
    def delete(
        self, path: str, *, threaded: bool = False, idempotent: bool = False
    ) -> Callable[[F], F]:
        return self.route(path, ("DELETE",), threaded=threaded, idempotent=idempotent)

    @_options
    def head(self, path: str, *, threaded: bool = False) -> Callable[[F], F]:
        return self.route(path, ("HEAD",), threaded=threaded)

    @_options
    def options(self, path: str, *, threaded: bool = False) -> Callable[[F], F]:
        return self.route(path, ("OPTIONS",), threaded=threaded)

    @_options
    def websocket(self, route_key: str, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle API Gateway WebSocket messages for ``route_key`` (``$connect``, ``$default``, ...)."""
        require_name(route_key, "route key", "websocket", optional=False)

        def decorator(fn: F) -> F:
            self._web().add_websocket(route_key, fn, threaded=threaded)
            self._note(fn, threaded)
            return fn

        return decorator

    @_options
    def authorizer(self, kind: str | None = None, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle API Gateway Lambda authorizer requests (``kind``: ``TOKEN``, ``REQUEST``,
        ``HTTP`` for HTTP API payload 2.0, ``None`` for any)."""
        require_name(kind, "kind", "authorizer")

        def decorator(fn: F) -> F:
            self._web().add_authorizer(kind, fn, threaded=threaded)
            self._note(fn, threaded)
            return fn

        return decorator

    @_options
    def edge(
        self, event_type: str, path: str | None = None, *, threaded: bool = False
    ) -> Callable[[F], F]:
        """Handle CloudFront Lambda@Edge events of ``event_type`` (``viewer-request``, ...)."""
        require_name(event_type, "event type", "edge", optional=False)
        require_name(path, "path", "edge")

        def decorator(fn: F) -> F:
            self._web().add_edge(event_type, path, fn, threaded=threaded)
            self._note(fn, threaded)
            return fn

        return decorator

    def _web_dispatch(
        self, spec: EventSource, event: Any, context: Any, log: Logger
    ) -> Awaitable[Any]:
        """The web router's answer to ``event``, to await (one coroutine less per request)."""
        web = self._registry.web
        if web is None:
            raise RoutingError(
                spec.kind, {"routes": "the app has no HTTP, WebSocket, authorizer or edge routes"}
            )
        result: Awaitable[Any] = web.dispatch(spec, event, context, log)
        return result
