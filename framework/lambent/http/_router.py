"""The app's web router: HTTP routes for the four HTTP sources, WebSocket routes,
authorizers and Lambda@Edge handlers, behind one ``dispatch``.

Per HTTP request: decode the source Struct (for REST, HTTP API and Function URLs a lean
view, the whole Struct only when something needs more), match the path (static routes by
dict lookup, templates by one precompiled regex per first segment), pick the method
(automatic ``HEAD`` from ``GET``, automatic ``OPTIONS`` and CORS preflights, ``405`` with
``Allow``), check the body size (``413``), build the arguments (``422`` on bad input), run
the handler under the deadline (``504``), turn exceptions into answers (user exception
handlers by type, else ``500`` with the request id and nothing internal, logged with the
traceback), add CORS headers, and render for the source. Middleware
(:mod:`._middleware`) wraps all of it (app middleware) or a route's run (a router's);
dependencies (:mod:`._args`) are solved with the arguments and cleaned up after the
response is rendered. :meth:`HttpRouter.include` takes in a router's routes.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import msgspec

from lambent._errors import ConfigurationError
from lambent._fast import FAST
from lambent._inject import qualname
from lambent.http._args import Scope, build_args, close, solve
from lambent.http._authorizer import AuthorizerRoutes
from lambent.http._cors import CORS
from lambent.http._edge import EdgeRoutes
from lambent.http._invoke import DeadlineExceeded, budget, call
from lambent.http._middleware import CallNext, Middleware, check_middleware, compose
from lambent.http._params import Dependency, From, HttpPlan, resolve_dependency, resolve_http
from lambent.http._render import render_http, render_value
from lambent.http._request import Request, decode_http_event
from lambent.http._response import HTTPException, Response, error_response, to_response
from lambent.http._routing import RouteMap, compile_path
from lambent.http._websocket import WebSocketRoutes

__all__ = ["HttpConfig", "HttpRoute", "HttpRouter"]


def _request_types() -> tuple[type[Any], ...]:
    """The Structs of the sources whose events are HTTP requests (a handler parameter
    annotated with one gets the request's Struct)."""
    from lambent import sources

    found = {s.event_type for s in sources.web("request")}
    return tuple(sorted(found, key=lambda t: t.__name__))


#: handler results that are never awaitable (skips ``inspect.isawaitable``)
_NEVER_AWAITABLE = frozenset({dict, list, str, bytes, int, float, bool, type(None), Response})
ExceptionHandler = Callable[[Any, Exception], Any]


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """App-wide HTTP options (``app.configure_http``)."""

    cors: CORS | None = None
    #: bodies larger than this many bytes answer 413 (default: Lambda's 6 MB request limit)
    max_body_size: int | None = 6 * 1024 * 1024
    #: API Gateway's integration timeout in seconds (raise it if your API has a higher quota)
    api_gateway_timeout: float = 29.0


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


class HttpRouter:
    """Everything HTTP-shaped an app handles; created by the app on first use."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.config = HttpConfig()
        self.routes: RouteMap[HttpRoute] = RouteMap()
        self.websockets = WebSocketRoutes()
        self.authorizers = AuthorizerRoutes()
        self.edges = EdgeRoutes()
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
        #: WebSocket, authorizer and edge registrations, replayed by ``include``
        self._replay: list[Callable[[HttpRouter], None]] = []

    # ------------------------------------------------------------------ registration

    def _check_open(self, what: str) -> None:
        if self._frozen:
            raise ConfigurationError(f"cannot add {what}: {self._closed_because}")

    def seal(self, reason: str) -> None:
        """Refuse more registrations, saying ``reason`` (a router once included)."""
        self._frozen = True
        self._closed_because = reason

    def configure(self, **options: Any) -> None:
        self._check_open("HTTP options")
        try:
            self.config = HttpConfig(**{**_fields(self.config), **options})
        except TypeError as exc:
            raise ConfigurationError(f"configure_http: {exc}") from None

    def add_route(
        self, methods: tuple[str, ...], path: str, fn: Callable[..., Any], *, threaded: bool = False
    ) -> HttpRoute:
        self._check_open(f"the route {path!r}")
        compiled = compile_path(path)
        where = f"route {'/'.join(methods)} {compiled.template}"
        plan = resolve_http(
            fn, where=where, path_params=compiled.params, event_types=_request_types()
        )
        params = plan.params
        flat = plan.flat_params() if plan.has_deps else params
        wants_logger = any(p.source is From.LOGGER for p in flat)
        needs_event = any(p.source not in _LEAN_SOURCES for p in flat)
        path_only = len(params) == len(compiled.params) and all(
            p.source is From.PATH and p.convert is None for p in params
        )
        route = HttpRoute(
            methods, compiled.template, plan, threaded, wants_logger, needs_event, path_only
        )
        self._add(route)
        return route

    def _add(self, route: HttpRoute) -> None:
        """Add ``route``; a method of its template that is taken already names both."""
        for method in route.methods:
            other = self.routes.get(route.template, method)
            if other is not None:
                raise ConfigurationError(
                    f"route {method} {route.template} -> {route.plan.name} conflicts with "
                    f"{method} {route.template} -> {other.plan.name}: both would answer "
                    "the same requests"
                )
        self.routes.add(route.methods, route.template, route)

    def add_middleware(self, fn: Middleware) -> None:
        self._check_open("a middleware")
        check_middleware(fn)
        self.middleware.append(fn)

    def include(self, other: HttpRouter, *, prefix: str, tags: tuple[str, ...]) -> None:
        """Add ``other``'s routes under ``prefix`` with its middleware and ``tags``, its
        exception handlers and its WebSocket, authorizer and edge routes."""
        self._check_open("a router")
        middleware = tuple(other.middleware)
        for route in other.routes.values():
            template = compile_path(prefix + route.template).template
            self._add(
                dataclasses.replace(
                    route,
                    template=template,
                    middleware=(*middleware, *route.middleware),
                    tags=(*tags, *route.tags),
                )
            )
        for exc_type, fn in other._exception_handlers.items():
            mine = self._exception_handlers.get(exc_type)
            if mine is not None and mine is not fn:
                raise ConfigurationError(
                    f"exception handler {qualname(fn)} for {exc_type.__name__} conflicts "
                    f"with {qualname(mine)}"
                )
            self.add_exception_handler(exc_type, fn)
        for replay in other._replay:
            replay(self)

    def add_websocket(
        self, route_key: str, fn: Callable[..., Any], *, threaded: bool = False
    ) -> None:
        self._check_open(f"the WebSocket route {route_key!r}")
        self.websockets.add(route_key, fn, threaded=threaded)
        self._replay.append(lambda to: to.add_websocket(route_key, fn, threaded=threaded))

    def add_authorizer(
        self, kind: str | None, fn: Callable[..., Any], *, threaded: bool = False
    ) -> None:
        self._check_open("an authorizer")
        self.authorizers.add(kind, fn, threaded=threaded)
        self._replay.append(lambda to: to.add_authorizer(kind, fn, threaded=threaded))

    def add_edge(
        self, event_type: str, path: str | None, fn: Callable[..., Any], *, threaded: bool = False
    ) -> None:
        self._check_open(f"the edge route {event_type}")
        self.edges.add(event_type, path, fn, threaded=threaded)
        self._replay.append(lambda to: to.add_edge(event_type, path, fn, threaded=threaded))

    def add_exception_handler(self, exc_type: type[BaseException], fn: ExceptionHandler) -> None:
        self._check_open("an exception handler")
        if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
            raise ConfigurationError(
                f"exception_handler needs an Exception subclass, not {exc_type!r}"
            )
        self._exception_handlers[exc_type] = fn

    def freeze(self) -> None:
        self.routes.freeze()
        self._frozen = True
        if self.middleware:
            self._chain = compose(self.middleware, self._respond_chained)
        for route in self.routes.values():
            if route.middleware:
                inner = self._route_inner(route)
                self._route_chains[id(route)] = compose(route.middleware, inner)

    def _route_inner(self, route: HttpRoute) -> CallNext:
        async def inner(request: Request) -> Response:
            out = await self._handle(route, request, request.context, request._log, False)
            assert isinstance(out, Response)
            return out

        return inner

    async def _respond_chained(self, request: Request) -> Response:
        out = await self._respond(request, request.context, request._log, False)
        assert isinstance(out, Response)
        return out

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
        lines = [
            f"http({', '.join(e.routes)} {e.path.template}) -> "
            + ", ".join(sorted({r.plan.name for r in e.routes.values()}))
            for e in self.routes.endpoints()
        ]
        return [
            *lines,
            *self.websockets.describe(),
            *self.authorizers.describe(),
            *self.edges.describe(),
        ]

    # ------------------------------------------------------------------ dispatch

    def _seconds(self, web: Any, context: Any) -> float | None:
        limit = self.config.api_gateway_timeout if web is not None and web.service_timeout else None
        return budget(context, self.app.deadline_margin, limit)

    def dispatch(self, spec: Any, event: Any, context: Any, log: Any) -> Awaitable[Any]:
        """The Lambda result for one HTTP-family event (``event``: raw dict or decoded Struct),
        to await (one coroutine less per request than an ``async def``).

        A REST, HTTP API or Function URL request is decoded into its lean view here and into
        the full Struct only when something reads more (CORS, a route's parameters, an
        exception handler, the handler itself through ``request.event``); an event that does
        not decode raises EventDecodeError at that point, before any user code runs, as it
        does here for the other sources."""
        kind: str = spec.kind
        web = spec.web
        lean = web.lean if web is not None and FAST.lean_views else None
        if lean is not None:
            try:
                view = msgspec.convert(event, lean)
            except msgspec.ValidationError:
                pass  # the full Struct does not decode either: say why below
            else:
                request = Request.from_lean(kind, view, event, spec.event_type, context, web=web)
                return self._answer(request, context, log)
        decoded = decode_http_event(kind, spec.event_type, event)
        role = "request" if web is None else web.role
        if role == "websocket":
            return self.websockets.dispatch(
                spec, decoded, context, log, self._seconds(web, context)
            )
        if role == "authorizer":
            return self.authorizers.dispatch(
                spec, decoded, context, log, self._seconds(web, context)
            )
        if role == "edge":
            return self.edges.dispatch(spec, decoded, context, log, self._seconds(web, context))
        return self._answer(Request(kind, decoded, context, web=web), context, log)

    async def _answer(self, request: Request, context: Any, log: Any) -> dict[str, Any]:
        cors = self.config.cors
        if cors is not None:
            request.event  # CORS reads the headers: decode the whole event first  # noqa: B018
        chain = self._chain
        out: Response | dict[str, Any]
        if chain is None:
            out = await self._respond(request, context, log, cors is None)
        else:
            request._log = log
            try:
                out = await chain(request)
            except Exception as exc:
                out = await self._on_error(request, exc, log)
        if isinstance(out, Response):
            if cors is not None:
                origin = request.headers.get("origin")
                if origin is not None and "access-control-allow-origin" not in out.headers:
                    cors.apply(out, origin)
            out = render_http(request._wire, request._event, out, head=request.method == "HEAD")
        scope = request._scope
        if scope is not None:
            await close(scope, log)
        return out

    async def _respond(
        self, request: Request, context: Any, log: Any, direct: bool
    ) -> Response | dict[str, Any]:
        """The response to ``request`` (``direct``: a plain result may come back rendered)."""
        try:
            found = self._find(request)
        except Exception as exc:
            return await self._on_error(request, exc, log)
        if isinstance(found, Response):
            return found
        if found.middleware:
            request._log = log
            try:
                return await self._route_chains[id(found)](request)
            except Exception as exc:
                return await self._on_error(request, exc, log)
        return await self._handle(found, request, context, log, direct)

    async def _handle(
        self, route: HttpRoute, request: Request, context: Any, log: Any, direct: bool
    ) -> Response | dict[str, Any]:
        if route.needs_event:
            request.event  # noqa: B018 - a bad event fails the invocation before the handler
        try:
            result = self._run(route, request, context, log)
            if type(result) not in _NEVER_AWAITABLE and inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            if request._scope is not None:
                request._scope.error = exc
            return await self._on_error(request, exc, log)
        if (
            direct
            and FAST.direct_render
            and result is not None
            and not isinstance(result, Response)
            and request.method != "HEAD"
        ):
            # what render_http gives for to_response(result), without the Response
            return render_value(request._wire, request._event, result)
        return to_response(result)

    def _find(self, request: Request) -> HttpRoute | Response:
        """The route for ``request`` (its path parameters and template set on it), or the
        answer itself (automatic ``OPTIONS``, CORS preflight); raises HTTPException for
        404, 405 and 413."""
        method = request.method
        found = self.routes.match(request.path, encoded=request.path_is_encoded)
        if found is None:
            raise HTTPException(404, f"no route for {method} {request.path}")
        endpoint, params = found
        request.path_params = params
        request.route = endpoint.path.template
        cors = self.config.cors
        if method == "OPTIONS" and cors is not None:
            headers = request.headers
            if "origin" in headers and "access-control-request-method" in headers:
                return cors.preflight(headers, endpoint.allow)
        route = endpoint.routes.get(method)
        if route is None:
            if method == "HEAD":
                route = endpoint.routes.get("GET")
            elif method == "OPTIONS":
                return Response(status=204, headers={"Allow": endpoint.allow})
            if route is None:
                raise HTTPException(
                    405,
                    f"{method} is not allowed on {endpoint.path.template}",
                    headers={"Allow": endpoint.allow},
                )
        limit = self.config.max_body_size
        if limit is not None and request.raw_body and request.body_size > limit:
            raise HTTPException(
                413, f"the request body is {request.body_size} bytes, over the {limit}-byte limit"
            )
        return route

    def _run(self, route: HttpRoute, request: Request, context: Any, log: Any) -> Any:
        """Call the handler: a plain one inline, its result returned (to await if it is
        awaitable); an ``async`` or threaded one through :func:`call` (a coroutine)."""
        plan = route.plan
        if route.path_only and FAST.path_only:
            kw = dict(request.path_params)
        else:
            route_log = log.bind(route=route.template) if route.wants_logger else log
            # a route taking the source's Struct has it decoded already (``needs_event``)
            kw = build_args(plan, request, request._event, context, route_log)
            if plan.has_deps:
                return self._run_with_deps(route, request, kw, context, route_log)
        seconds = self._seconds(request._web, context)
        if plan.is_async or route.threaded:
            return call(plan, kw, threaded=route.threaded, seconds=seconds)
        if seconds is not None and seconds <= 0:
            raise DeadlineExceeded("no time left before the deadline")
        return plan.fn(**kw)

    async def _run_with_deps(
        self, route: HttpRoute, request: Request, kw: dict[str, Any], context: Any, log: Any
    ) -> Any:
        """Solve the dependencies (async ones under the deadline too), then call."""
        plan = route.plan
        scope = request._scope = Scope(self._override if self.overrides else None)
        seconds = self._seconds(request._web, context)
        if seconds is not None and seconds <= 0:
            raise DeadlineExceeded("no time left before the deadline")
        if seconds is not None and plan.async_deps:
            with anyio.move_on_after(seconds) as cancel:
                await solve(plan, kw, request, request._event, context, log, scope)
            if cancel.cancelled_caught:
                raise DeadlineExceeded(f"the dependencies did not finish within {seconds:.3f} s")
            seconds = self._seconds(request._web, context)
        else:
            await solve(plan, kw, request, request._event, context, log, scope)
        return await call(plan, kw, threaded=route.threaded, seconds=seconds)

    def _exception_handler(self, exc_type: type[BaseException]) -> ExceptionHandler | None:
        try:
            return self._handler_cache[exc_type]
        except KeyError:
            pass
        mro = exc_type.__mro__
        if issubclass(exc_type, HTTPException | DeadlineExceeded):
            # lambent's own answers (404, 422, 504, ...) go to handlers of their own types only
            mro = tuple(t for t in mro if t not in (Exception, BaseException, object))
        found = next(
            (self._exception_handlers[t] for t in mro if t in self._exception_handlers), None
        )
        self._handler_cache[exc_type] = found
        return found

    async def _on_error(self, request: Request, exc: Exception, log: Any) -> Response:
        handler = self._exception_handler(type(exc)) if self._exception_handlers else None
        if handler is not None:
            request.event  # noqa: B018 - the handler gets the request: decode the whole event
            try:
                result = handler(request, exc)
                if inspect.isawaitable(result):
                    result = await result
                return to_response(result)
            except HTTPException as answer:  # the status the handler meant
                if answer.status >= 500:
                    log.error("HTTP request failed", status=answer.status, message=answer.message)
                return answer.response()
            except Exception as inner:
                log.error("exception handler failed", error=repr(inner), exc_info=inner)
                return error_response(500, "Internal Server Error", request_id=request.request_id)
        if isinstance(exc, HTTPException):
            if exc.status >= 500:
                log.error("HTTP request failed", status=exc.status, message=exc.message)
            return exc.response()
        if isinstance(exc, DeadlineExceeded):
            log.warning("HTTP handler timed out", path=request.path, error=str(exc))
            return error_response(
                504, "the handler did not finish in time", request_id=request.request_id
            )
        log.error(
            "unhandled error in HTTP handler",
            method=request.method,
            path=request.path,
            route=request.route,
            error=f"{type(exc).__name__}: {exc}",
            exc_info=exc,
        )
        return error_response(500, "Internal Server Error", request_id=request.request_id)


def _fields(config: HttpConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in HttpConfig.__slots__}
