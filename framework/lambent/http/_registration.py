"""Registering web routes: HTTP routes, middleware, exception handlers, WebSocket routes,
authorizers and Lambda@Edge handlers, app-wide HTTP options; the HTTP path map as a
matcher of the route table (which includes a router's routes, :class:`HttpPaths` adopting
its HTTP routes), and a router's exception handlers.

Everything a handler declares is resolved here, once (:mod:`._params`); the router
(:mod:`._router`) only answers requests.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lambent._errors import ConfigurationError
from lambent._inject import as_function, hints, qualname
from lambent._routes import Inclusion, RouteTable, require_seconds
from lambent.http._authorizer import AuthorizerRoutes
from lambent.http._cors import CORS
from lambent.http._edge import EdgeRoutes
from lambent.http._middleware import CallNext, Middleware, check_middleware
from lambent.http._params import resolve_dependency, resolve_http, with_metrics
from lambent.http._plan import Dependency, From, HttpPlan
from lambent.http._response import tuple_annotation_problem
from lambent.http._routing import Endpoint, RouteMap, allow_of
from lambent.http._templates import compile_path
from lambent.http._websocket import WebSocketRoutes

__all__ = ["ExceptionHandler", "HttpConfig", "HttpPaths", "HttpRoute", "WebRegistry", "observed"]


def _request_types() -> tuple[type[Any], ...]:
    """The Structs of the sources whose events are HTTP requests (a handler parameter
    annotated with one gets the request's Struct)."""
    from lambent import sources

    found = {s.event_type for s in sources.web("request")}
    return tuple(sorted(found, key=lambda t: t.__name__))


ExceptionHandler = Callable[[Any, Exception], Any]


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """App-wide HTTP options (``app.configure_http``)."""

    cors: CORS | None = None
    #: bodies larger than this many bytes answer 413 (default: Lambda's 6 MB request limit)
    max_body_size: int | None = 6 * 1024 * 1024
    #: API Gateway's integration timeout in seconds (raise it if your API has a higher quota)
    api_gateway_timeout: float = 29.0

    def __post_init__(self) -> None:
        size = self.max_body_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise ConfigurationError(
                f"max_body_size must be a whole number of bytes >= 0 or None, not {size!r}"
            )
        require_seconds(self.api_gateway_timeout, "api_gateway_timeout")


#: what a route's handler parameters can take without the source's full Struct
_LEAN_SOURCES = frozenset({From.PATH, From.BODY, From.CONTEXT, From.LOGGER})


@dataclass(frozen=True, slots=True)
class HttpRoute:
    methods: tuple[str, ...]
    template: str
    plan: HttpPlan
    threaded: bool = False
    wants_logger: bool = False
    #: a parameter reads more of the event than a lean view has (headers, query, the Struct)
    needs_event: bool = True
    #: the parameters are exactly the template's path parameters, as strings: the matched
    #: parameters are the keyword arguments
    path_only: bool = False
    #: the middleware of the routers it came through (outermost first)
    middleware: tuple[Middleware, ...] = ()
    #: the tags of the routers it came through (OpenAPI)
    tags: tuple[str, ...] = ()
    #: run once per ``Idempotency-Key`` header (see :mod:`lambent.http._idempotency`)
    idempotent: bool = False


class HttpPaths(RouteMap[HttpRoute]):
    """The HTTP path map as a :class:`~lambent._routes.Matcher` of the app's route table:
    a route takes its template's methods; matched by ``(path, encoded)``."""

    __slots__ = ()

    def check(self, route: HttpRoute) -> None:
        """A method of ``route``'s template, or of one of its shape (``/p/{y}`` for
        ``/p/{x}``), that is taken already: an error naming both."""
        for method in route.methods:
            other = self.get(route.template, method)
            taken = self.twin(route.template, method) if other is None else (route.template, other)
            if taken is not None:
                why = "the templates differ only in their parameters' names, so "
                why = "" if taken[0] == route.template else why
                raise ConfigurationError(
                    f"route {method} {route.template} -> {route.plan.name} conflicts with "
                    f"{method} {taken[0]} -> {taken[1].plan.name}: {why}both would answer "
                    "the same requests"
                )

    def elsewhere(
        self, path: str, encoded: bool, method: str
    ) -> tuple[HttpRoute, dict[str, str], str] | None:
        """The route of ``method`` (``HEAD``: or ``GET``) of a less specific template that
        matches ``path``, with its parameters and template, when the most specific has
        none: a catch-all ``/{proxy+}`` beside ``GET /items`` takes ``POST /items``, as API
        Gateway, Starlette and Powertools route it."""
        for endpoint, params in self.matching(path, encoded=encoded)[1:]:
            routes = endpoint.routes
            route = routes.get(method) or (routes.get("GET") if method == "HEAD" else None)
            if route is not None:
                return route, params, endpoint.path.template
        return None

    def allow(self, path: str, encoded: bool) -> str:
        """The ``Allow`` header of ``path``: every method a template matching it takes."""
        return allow_of(endpoint for endpoint, _ in self.matching(path, encoded=encoded))

    def insert(self, route: HttpRoute) -> None:
        self.add(route.methods, route.template, route)

    def named(self, route: HttpRoute) -> str:
        return f"the route {'/'.join(route.methods)} {route.template}"

    def adopt(self, route: HttpRoute, how: Inclusion) -> HttpRoute:
        """``route`` under ``how.prefix``, inside its router's middleware, with its tags,
        checked against the app's idempotency store and metrics."""
        template = compile_path(how.prefix + route.template).template
        included = dataclasses.replace(
            route,
            template=template,
            middleware=(*how.middleware, *route.middleware),
            tags=(*how.tags, *route.tags),
        )
        if not how.checked:
            return included
        where = f"route {'/'.join(included.methods)} {template} (included)"
        return observed(included, where, store=how.idempotency, metrics=how.metrics)

    def lookup(self, key: tuple[str, bool]) -> tuple[Endpoint[HttpRoute], dict[str, str]] | None:
        return self.match(key[0], encoded=key[1])

    def __iter__(self) -> Iterator[HttpRoute]:
        return iter(self.values())

    def describe(self) -> list[str]:
        return [
            f"http({', '.join(e.routes)} {e.path.template}) -> "
            + ", ".join(sorted({r.plan.name for r in e.routes.values()}))
            for e in self.endpoints()
        ]


def observed(route: HttpRoute, where: str, *, store: Any, metrics: Any) -> HttpRoute:
    """``route`` checked against the app's idempotency ``store``, its ``Metrics``
    parameter given the app's ``metrics``."""
    if route.idempotent:
        from lambent._observe import require_store

        require_store(store, where)
    plan = with_metrics(route.plan, metrics, where)
    return route if plan is route.plan else dataclasses.replace(route, plan=plan)


def _check_called_with_two(fn: Callable[..., Any], exc_type: type[BaseException]) -> None:
    """ConfigurationError when ``fn`` cannot be called as ``fn(request, exc)`` (a
    Powertools-style ``handler(ex)``): every error it was meant for would be a 500."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # a callable whose signature Python cannot tell
    try:
        signature.bind(None, None)
    except TypeError as exc:
        raise ConfigurationError(
            f"exception handler {qualname(fn)} for {exc_type.__name__} is called as "
            f"fn(request, exc), which its signature {signature} refuses ({exc})"
        ) from None


class WebRegistry:
    """The registration half of the web router: routes, middleware, exception handlers,
    options, and ``include`` of another registry's exception handlers.

    Its routes live in ``table``, the app's (or router's) route table: the path map,
    WebSocket routes, authorizers and edge routes are plugged into it under the roles of
    their sources (``request``, ``websocket``, ``authorizer``, ``edge``); every route
    is added through the table, which checks it and holds it."""

    def __init__(self, table: RouteTable | None = None) -> None:
        self.config = HttpConfig()
        #: where the routes live (a router of its own when none is given)
        self.table = RouteTable() if table is None else table
        self.routes = self.table.plug("request", HttpPaths())
        self.websockets = self.table.plug("websocket", WebSocketRoutes())
        self.authorizers = self.table.plug("authorizer", AuthorizerRoutes())
        self.edges = self.table.plug("edge", EdgeRoutes())
        self._exception_handlers: dict[type[BaseException], ExceptionHandler] = {}
        self._handler_cache: dict[type[BaseException], ExceptionHandler | None] = {}
        self._frozen = False
        self._closed_because = "the app has started handling events"
        #: app middleware (of a router: the middleware of its routes), outermost first
        self.middleware: list[Middleware] = []
        self._chain: CallNext | None = None
        self._route_chains: dict[int, CallNext] = {}
        #: providers replaced by others (``TestClient(app, overrides=...)``)
        self.overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._resolved_overrides: dict[tuple[Any, ...], Dependency] = {}

    # ------------------------------------------------------------------ registration

    def _check_open(self, what: str) -> None:
        if self._frozen:
            raise ConfigurationError(f"cannot add {what}: {self._closed_because}")

    def seal(self, reason: str) -> None:
        """Refuse more registrations, saying ``reason`` (a router once included)."""
        self._frozen = True
        self._closed_because = reason

    def configure(self, config: HttpConfig) -> None:
        """Use ``config`` from now on (``app.configure_http`` builds it from the current one)."""
        self._check_open("HTTP options")
        self.config = config

    def add_route(
        self,
        methods: tuple[str, ...],
        path: str,
        fn: Callable[..., Any],
        *,
        threaded: bool = False,
        idempotent: bool = False,
    ) -> HttpRoute:
        self._check_open(f"the route {path!r}")
        compiled = compile_path(path)
        where = f"route {'/'.join(methods)} {compiled.template}"
        plan = resolve_http(
            fn, where=where, path_params=compiled.params, event_types=_request_types()
        )
        if inspect.isgeneratorfunction(plan.fn):  # its generator would be no answer
            raise ConfigurationError(
                f"{where}: {plan.name} is a generator function; a route streams from an "
                "async iterator: write it `async def` with `yield`, or return a "
                "StreamingResponse"
            )
        returns = hints(as_function(fn)).get("return")
        problem = tuple_annotation_problem(returns)
        if problem is not None:  # every call would be the handler's 500
            raise ConfigurationError(
                f"{where}: {plan.name} is annotated to return {returns!r}, but {problem}; "
                "return a list for a JSON array"
            )
        params = plan.params
        flat = plan.flat_params() if plan.has_deps else params
        wants_logger = any(p.source is From.LOGGER for p in flat)
        needs_event = any(p.source not in _LEAN_SOURCES for p in flat)
        path_only = len(params) == len(compiled.params) and all(
            p.source is From.PATH and p.convert is None for p in params
        )
        route = HttpRoute(
            methods, compiled.template, plan, threaded, wants_logger, needs_event, path_only,
            idempotent=idempotent,
        )  # fmt: skip
        route = self._observed(route, where)
        self._add(route)
        return route

    def _app(self) -> Any:
        """The App this registry answers for (``None``: a Router's, checked when included)."""
        app: Any = getattr(self, "app", None)
        return app if hasattr(app, "idempotency") else None

    def _observed(self, route: HttpRoute, where: str) -> HttpRoute:
        """``route`` checked against the app's idempotency store, its ``Metrics``
        parameter given the app's metrics (a Router's routes: when included)."""
        app = self._app()
        if app is None:
            return route
        return observed(route, where, store=app.idempotency, metrics=app.metrics)

    def _add(self, route: HttpRoute) -> None:
        """Add ``route``; a method of its template that is taken already names both."""
        self.table.add_to("request", route)

    def check_include(self, other: WebRegistry) -> None:
        """Raise what :meth:`include` would raise, before anything is added (its routes
        are checked by the route table: :meth:`~lambent._routes.RouteTable.adopt`)."""
        self._check_open("a router")
        for exc_type, fn in other._exception_handlers.items():
            mine = self._exception_handlers.get(exc_type)
            if mine is not None and mine is not fn:
                raise ConfigurationError(
                    f"exception handler {qualname(fn)} for {exc_type.__name__} conflicts "
                    f"with {qualname(mine)}"
                )

    def add_middleware(self, fn: Middleware) -> None:
        self._check_open("a middleware")
        check_middleware(fn)
        self.middleware.append(fn)

    def include(self, other: WebRegistry) -> None:
        """Add ``other``'s exception handlers (its routes come through the route table,
        its middleware with each of its HTTP routes)."""
        self.check_include(other)
        for exc_type, fn in other._exception_handlers.items():
            self.add_exception_handler(exc_type, fn)

    def add_websocket(
        self, route_key: str, fn: Callable[..., Any], *, threaded: bool = False
    ) -> None:
        self._check_open(f"the WebSocket route {route_key!r}")
        self._require_metrics(fn, f"websocket route {route_key!r}")
        self.table.add_to("websocket", self.websockets.resolve(route_key, fn, threaded=threaded))

    def add_authorizer(
        self, kind: str | None, fn: Callable[..., Any], *, threaded: bool = False
    ) -> None:
        self._check_open("an authorizer")
        self._require_metrics(fn, f"authorizer ({kind or 'any'})")
        self.table.add_to("authorizer", self.authorizers.resolve(kind, fn, threaded=threaded))

    def add_edge(
        self, event_type: str, path: str | None, fn: Callable[..., Any], *, threaded: bool = False
    ) -> None:
        self._check_open(f"the edge route {event_type}")
        self._require_metrics(fn, f"edge route {event_type} {path or '*'}")
        self.table.add_to("edge", self.edges.resolve(event_type, path, fn, threaded=threaded))

    def _require_metrics(self, fn: Callable[..., Any], where: str) -> None:
        app = self._app()
        if app is not None:
            from lambent._observe import require_metrics

            require_metrics(fn, app.metrics, where)

    def add_exception_handler(self, exc_type: type[BaseException], fn: ExceptionHandler) -> None:
        self._check_open("an exception handler")
        if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
            raise ConfigurationError(
                f"exception_handler needs an Exception subclass, not {exc_type!r}"
            )
        _check_called_with_two(fn, exc_type)
        self._exception_handlers[exc_type] = fn

    def _override(self, dep: Dependency) -> Dependency:
        """The dependency to run for ``dep`` (its provider's override, resolved once)."""
        replacement = self.overrides.get(dep.provider)
        if replacement is None:
            return dep
        key = (replacement, dep.path_params)
        found = self._resolved_overrides.get(key)
        if found is None:
            found = self._resolved_overrides[key] = resolve_dependency(
                replacement,
                where=f"override of {qualname(dep.provider)}",
                path_params=dep.path_params,
                event_types=_request_types(),
            )
        return found

    def describe(self) -> list[str]:
        """The lines of the web routes (``lambent routes``), family by family."""
        return [
            line
            for family in (self.routes, self.websockets, self.authorizers, self.edges)
            for line in family.describe()
        ]

    # ------------------------------------------------------------------ dispatch
