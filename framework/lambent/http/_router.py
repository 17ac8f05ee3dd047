"""The app's web router: HTTP routes for the four HTTP sources, WebSocket routes,
authorizers and Lambda@Edge handlers, behind one ``dispatch``.

Per HTTP request: decode the source Struct (for REST, HTTP API and Function URLs a lean
view, the whole Struct only when something needs more), match the path (static routes by
dict lookup, templates by one precompiled regex per first segment), pick the method
(automatic ``HEAD`` from ``GET``, automatic ``OPTIONS`` and CORS preflights, ``405`` with
``Allow``), check the body size (``413``), build the arguments (``422`` on bad input), run
the handler under the deadline (``504``), turn exceptions into answers (user exception
handlers by type, else ``500`` with the request id and nothing internal, logged with the
traceback: :mod:`._failures`), add CORS headers, and render for the source. Middleware
(:mod:`._middleware`) wraps all of it (app middleware) or a route's run (a router's);
dependencies (:mod:`._args`) are solved with the arguments and cleaned up after the
response is rendered. Registration (routes, ``include``, options) is :mod:`._registration`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from lambent._decode import CONVERT_ERRORS
from lambent._errors import HandlerError, describe
from lambent._fast import FAST
from lambent._routes import RouteTable
from lambent._run import Cut, Strategy, invoke_within, is_cancellation, start
from lambent.http._args import Scope, build_args, close, solve, solve_now
from lambent.http._failures import answer_error
from lambent.http._invoke import NO_TIME, DeadlineExceeded, budget, call, handler_error
from lambent.http._middleware import CallNext, compose
from lambent.http._registration import HttpConfig, HttpRoute, WebRegistry
from lambent.http._render import RENDER_ERRORS, render_checked, render_value
from lambent.http._request import Request, decode_http_event, surrogate_free
from lambent.http._response import HTTPException, Response, to_response, tuple_response
from lambent.http._streaming import Streamed, StreamingResponse, is_stream, joined, settle

__all__ = ["HttpConfig", "HttpRoute", "HttpRouter"]

_INLINE, _AWAIT = Strategy.INLINE, Strategy.AWAIT
_NOT_STARTED, _CANCELLED = Cut.NOT_STARTED, Cut.CANCELLED

#: handler results that are never awaitable (skips ``inspect.isawaitable``)
_NEVER_AWAITABLE = frozenset({dict, list, str, bytes, int, float, bool, type(None), Response})


class HttpRouter(WebRegistry):
    """Everything HTTP-shaped an app handles; created by the app on first use."""

    def __init__(self, app: Any, table: RouteTable | None = None) -> None:
        super().__init__(table)
        self.app = app
        #: the routes of the roles other than ``"request"``, by the role their sources'
        #: WebSpec declares
        self._roles: dict[str, Callable[..., Awaitable[Any]]] = {
            "websocket": self.websockets.dispatch,
            "authorizer": self.authorizers.dispatch,
            "edge": self.edges.dispatch,
        }

    def freeze(self) -> None:
        self.table.freeze()  # the app's table: frozen already when the app froze it
        self._frozen = True
        if self.middleware:
            self._chain = compose(self.middleware, self._respond_chained)
        for route in self.routes.values():
            if route.middleware:
                inner = self._route_inner(route)
                self._route_chains[id(route)] = compose(route.middleware, inner)

    def _route_inner(self, route: HttpRoute) -> CallNext:
        """The innermost ``call_next`` of a route's middleware: run the route (no direct
        rendering: the middleware gets a Response)."""
        handle = self._handle

        def inner(request: Request) -> Awaitable[Response]:
            return handle(route, request, request.context, request._log, False)  # type: ignore[return-value]

        return inner

    def _respond_chained(self, request: Request) -> Awaitable[Response]:
        """The innermost ``call_next`` of the app's middleware."""
        return self._respond(request, request.context, request._log, False)  # type: ignore[return-value]

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
            except CONVERT_ERRORS:
                pass  # the full Struct does not decode either: say why below
            else:
                request = Request.from_lean(kind, view, event, spec.event_type, context, web=web)
                return self._answer(request, context, log)
        decoded = decode_http_event(kind, spec.event_type, event)
        other = None if web is None else self._roles.get(web.role)
        if other is not None:  # WebSocket routes, authorizers, Lambda@Edge handlers
            return other(spec, decoded, context, log, self._seconds(web, context))
        return self._answer(Request(kind, decoded, context, web=web), context, log)

    async def _answer(self, request: Request, context: Any, log: Any) -> dict[str, Any]:
        cors = self.config.cors
        if cors is not None:
            request.event  # CORS reads the headers: decode the whole event first  # noqa: B018
        chain = self._chain
        out: Response | Streamed | dict[str, Any]
        if chain is None:
            out = await self._respond(request, context, log, cors is None)
        else:
            request._log = log
            try:
                out = await chain(request)
            except BaseException as exc:  # what a middleware raised: answered as a handler's
                if is_cancellation(exc):
                    raise
                out = await self._on_error(request, exc, log)
        return await self._complete(request, out, log)

    async def _complete(
        self, request: Request, out: Response | Streamed | dict[str, Any], log: Any
    ) -> dict[str, Any]:
        """The Lambda result for what the route (or middleware) answered: rendered for the
        source, with CORS headers; the dependencies cleaned up."""
        cors = self.config.cors
        if isinstance(out, StreamingResponse):  # through middleware: settled now
            try:
                out = await settle(out)
            except BaseException as exc:  # the body's failure: answered as a handler's
                if is_cancellation(exc):
                    raise
                out = await self._on_error(request, exc, log)
        if isinstance(out, Response):
            if cors is not None:
                origin = request.headers.get("origin")
                if origin is not None and "access-control-allow-origin" not in out.headers:
                    cors.apply(out, origin)
            out = render_checked(
                request._wire,
                request._event,
                out,
                head=request.method == "HEAD",
                request_id=request.request_id,
                log=log,
                method=request.method,
                path=request.path,
                route=request.route,
            )
        scope = request._scope
        if scope is not None and scope.exits:
            await close(scope, log)
        return out  # type: ignore[return-value]  # a Streamed: the runtime streams it

    async def finish(self, request: Request, outcome: Any, log: Any, *, raised: bool) -> Any:
        """The Lambda result once a handler ran on the compiled path (:mod:`._compiled`)
        and returned ``outcome`` (or raised it): finished as :meth:`_answer` finishes."""
        out: Response | dict[str, Any]
        if raised:
            try:  # answered while it is being handled, as in _handle (exception chaining)
                raise outcome
            except BaseException as exc:
                out = await self._failed(request, exc, log)
        else:
            route = self.routes.get(request.route or "", request.method)
            out = await self._result(route, request, outcome, log, True)
        return await self._complete(request, out, log)

    def _respond(
        self, request: Request, context: Any, log: Any, direct: bool
    ) -> Awaitable[Response | dict[str, Any]]:
        """The response to ``request``, to await (``direct``: a plain result may come back
        rendered). Not a coroutine itself: one frame less per request."""
        try:
            found = self._find(request)
        except Exception as exc:
            return self._on_error(request, exc, log)
        if isinstance(found, Response):
            return _ready(found)
        if found.middleware:
            request._log = log
            return self._through(self._route_chains[id(found)], request, log)
        return self._handle(found, request, context, log, direct)

    async def _through(self, chain: CallNext, request: Request, log: Any) -> Response:
        """``chain(request)``; what its middleware raise answered as a handler's error."""
        try:
            return await chain(request)
        except BaseException as exc:
            if is_cancellation(exc):
                raise
            return await self._on_error(request, exc, log)

    async def _handle(
        self, route: HttpRoute, request: Request, context: Any, log: Any, direct: bool
    ) -> Response | dict[str, Any]:
        if route.needs_event:
            request.event  # noqa: B018 - a bad event fails the invocation before the handler
        if route.idempotent:
            from lambent.http._idempotency import answer_once

            return await answer_once(self, self.app.idempotency, route, request, context, log)
        try:
            result = self._run(route, request, context, log)
        except BaseException as exc:  # KeyboardInterrupt, SystemExit, ...: a 500 too
            return await self._failed(request, exc, log)
        return await self._result(route, request, result, log, direct)

    async def _failed(self, request: Request, exc: BaseException, log: Any) -> Response:
        """The answer for what the handler (or its dependencies) raised."""
        if is_cancellation(exc):
            raise exc
        if request._scope is not None:
            request._scope.error = exc
        return await self._on_error(request, exc, log)

    async def _result(
        self,
        route: HttpRoute | None,
        request: Request,
        result: Any,
        log: Any,
        direct: bool,
        *,
        whole: bool = False,
    ) -> Response | dict[str, Any]:
        """What ``route``'s handler returned, awaited, settled (a stream) and, when
        ``direct``, a plain value rendered straight away; ``whole``: a stream joined even
        where the runtime streams (a response stored to be replayed). What awaiting or
        settling it raises is the handler's failure (a ``BaseException`` a
        ``HandlerError``, as :func:`~lambent.http._invoke.handler_error` says)."""
        try:
            if type(result) not in _NEVER_AWAITABLE and inspect.isawaitable(result):
                result = await result
            if type(result) not in _NEVER_AWAITABLE and is_stream(result):
                # settled (joined, unless the runtime streams it) once middleware is done
                if whole:
                    result = await joined(result)
                else:
                    result = await settle(result) if direct else _streaming(result)
        except BaseException as exc:
            error = None if route is None else handler_error(route.plan.name, exc)
            return await self._failed(request, exc if error is None else error, log)
        if type(result) is tuple:  # (body, status[, headers])
            try:
                result = tuple_response(result)
            except (TypeError, ValueError) as exc:
                error = HandlerError(route.plan.name if route else "the handler", describe(exc))
                error.__cause__ = exc
                return await self._failed(request, error, log)
        if isinstance(result, Streamed):
            return result  # type: ignore[return-value]  # the runtime streams it
        if (
            direct
            and FAST.direct_render
            and result is not None
            and not isinstance(result, Response)
            and request.method != "HEAD"
        ):
            # what render_http gives for to_response(result), without the Response
            try:
                return render_value(request._wire, request._event, result)
            except RENDER_ERRORS:
                pass  # rendered again by _complete, which answers the 500 and logs why
        return to_response(result)

    def _find(self, request: Request) -> HttpRoute | Response:
        """The route for ``request`` (its path parameters and template set on it), or the
        answer itself (automatic ``OPTIONS``, CORS preflight); raises HTTPException for
        404, 405 and 413."""
        method = request.method
        encoded = request.path_is_encoded
        found = self.routes.match(request.path, encoded=encoded)
        if found is None:
            raise HTTPException(404, f"no route for {method} {request.path}")
        endpoint, params = found
        request.path_params = params
        request.route = endpoint.path.template
        cors = self.config.cors
        if method == "OPTIONS" and cors is not None:
            headers = request.headers
            if "origin" in headers and "access-control-request-method" in headers:
                return cors.preflight(headers, self.routes.allow(request.path, encoded))
        route = endpoint.routes.get(method)
        if route is None and method == "HEAD":
            route = endpoint.routes.get("GET")
        if route is None:  # a less specific template's (``HttpPaths.elsewhere``), or none
            other = self.routes.elsewhere(request.path, encoded, method)
            if other is not None:
                route, request.path_params, request.route = other
            elif method == "OPTIONS":
                return Response(
                    status=204, headers={"Allow": self.routes.allow(request.path, encoded)}
                )
            else:
                raise HTTPException(
                    405,
                    f"{method} is not allowed on {endpoint.path.template}",
                    headers={"Allow": self.routes.allow(request.path, encoded)},
                )
        raw = request.raw_body
        if raw and not surrogate_free(raw):
            raise HTTPException(
                400, "the request body is not valid text: it contains a lone surrogate"
            )
        limit = self.config.max_body_size
        if limit is not None and raw and request.body_size > limit:
            raise HTTPException(
                413, f"the request body is {request.body_size} bytes, over the {limit}-byte limit"
            )
        return route

    def _run(self, route: HttpRoute, request: Request, context: Any, log: Any) -> Any:
        """Start the handler (:mod:`lambent._run`): a plain one's result as it is (to await
        if it is awaitable); an ``async`` or threaded one's coroutine (:func:`call`)."""
        plan = route.plan
        web = request._web  # the deadline, as _seconds says (one call less per request)
        limit = self.config.api_gateway_timeout if web is not None and web.service_timeout else None
        if route.path_only and FAST.path_only:
            kw = dict(request.path_params)
        else:
            route_log = log.bind(route=route.template) if route.wants_logger else log
            try:
                # a route taking the source's Struct has it decoded already (``needs_event``)
                kw = build_args(plan, request, request._event, context, route_log)
                if plan.has_deps:
                    if plan.async_deps or self.overrides:
                        return self._run_with_deps(route, request, kw, context, route_log)
                    # plain providers: solved inline, as part of the handler's start (the
                    # deadline is read once, after them: a second read before them would
                    # cost about a microsecond a request)
                    scope = request._scope = Scope()
                    solve_now(plan, kw, request, request._event, context, route_log, scope)
            except BaseException as exc:
                # what a parameter's own type (a ``__post_init__``) or a provider raised:
                # the handler's failure (a 422 stays one: an Exception passes on as it is)
                raise handler_error(plan.name, exc) or exc  # noqa: B904 - from exc
        seconds = budget(context, self.app.deadline_margin, limit)
        if plan.is_async or route.threaded:
            return call(plan, kw, threaded=route.threaded, seconds=seconds)
        try:
            result = start(_INLINE, plan.fn, kw, seconds)
        except BaseException as exc:  # answered as http/_invoke.run answers (HandlerError)
            raise handler_error(plan.name, exc) or exc  # noqa: B904 - from exc
        if result is _NOT_STARTED:
            raise DeadlineExceeded(NO_TIME)
        return result

    async def _run_with_deps(
        self, route: HttpRoute, request: Request, kw: dict[str, Any], context: Any, log: Any
    ) -> Any:
        """Solve the dependencies, some of them async or overridden, under the deadline;
        then call."""
        plan = route.plan
        scope = request._scope = Scope(self._override if self.overrides else None)
        seconds = self._seconds(request._web, context)
        # the providers (async or overridden ones among them): one awaited unit
        args = (plan, kw, request, request._event, context, log, scope)
        solved = await invoke_within(_AWAIT, solve, *args, seconds=seconds)
        if solved is _NOT_STARTED:
            raise DeadlineExceeded(NO_TIME)
        if solved is _CANCELLED:
            raise DeadlineExceeded(f"the dependencies did not finish within {seconds:.3f} s")
        seconds = self._seconds(request._web, context)
        return await call(plan, kw, threaded=route.threaded, seconds=seconds)

    def _on_error(self, request: Request, exc: BaseException, log: Any) -> Awaitable[Response]:
        """The answer for ``exc`` (:mod:`._failures`), to await."""
        return answer_error(self._exception_handlers, self._handler_cache, request, exc, log)


async def _ready(response: Response) -> Response:
    return response


def _streaming(result: Any) -> StreamingResponse:
    """A streamed result as the Response middleware works on."""
    return result if isinstance(result, StreamingResponse) else StreamingResponse(result)
