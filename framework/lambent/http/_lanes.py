"""One lane per compiled route and HTTP source, made at freeze time (the ``route_lanes``
fast path of :mod:`lambent._fast`): the compiled answer (:mod:`lambent.http._compiled`)
of a request whose request line names a route key it compiled, with that route's
constants bound once: its method, its template's matcher, its handler, whether it takes
its path parameters only (then the matched parameters are its keyword arguments, no
builder is called), the source's renderer and deadline margin.

A lane answers only the request the compiled answer would answer the same way, in the
same steps: the method the route key names, a path its template's matcher takes, a body
that is plain ASCII text within the size limit (or none); anything else returns
:data:`NEXT` before any step with an effect, and the compiled answer takes the request
from the start. Out of time: :data:`~lambent._fast.MISS` (the general path answers 504).
Arguments are converted once, in the invocation's log context, as the general path
converts them; what it refuses (a 422, a parameter type's own failure) is finished as
the handler's failure. A plain dict result is rendered as JSON straight away;
any other result, a result that does not render and an exception are finished as the
compiled answer finishes them (``finish``). ``tests/http/test_lanes.py`` compares lanes
with the general path.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from contextvars import Token
from types import FunctionType
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from lambent._deadline import out_of_time
from lambent._fast import MISS, Pending
from lambent._logging import LazyLogger
from lambent._pipeline import invocation_values
from lambent._run import is_cancellation
from lambent.http._args import refused
from lambent.http._compiled_parts import (
    Args,
    Bind,
    Refused,
    Unbind,
    json_result,
    log_binder,
    params_only,
    path_and_body,
    texts,
)
from lambent.http._invoke import handler_error
from lambent.http._plan import BODY_LABEL
from lambent.http._render import RENDER_ERRORS, ValueRenderer
from lambent.http._request import Request
from lambent.http._response import JSON, encode_json, json_text
from lambent.http._routing import TemplateMatcher, segment_parts
from lambent.sources._base import RequestLine

if TYPE_CHECKING:
    from lambent.http._router import HttpRouter

__all__ = ["NEXT", "Finish", "Keyed", "Lane", "Lanes", "Later", "finisher", "lanes"]

#: what a lane returns when the compiled answer must take the request from the start
NEXT: Any = object()

#: ``lane(event, context, line, body)``: ``event`` None when the line was read from the
#: invocation's bytes, ``body``
Lane = Callable[[Any, Any, RequestLine, bytes], Any]
#: finishes what a handler gave that the lane does not render: ``(event, context, body,
#: endpoint, params, outcome, raised, cold, tokens)`` -> the answer
Finish = Callable[..., Any]
#: a source's lanes by route key
Lanes = dict[str | None, Lane]
#: what finishes a request the direct rendering does not: ``(source, view, event, context,
#: endpoint, params, outcome, raised, cold, tokens)`` -> a :class:`Pending`
Later = Callable[..., Pending]
#: route key -> (its method, the template's matcher, its endpoint, the handler, its arguments)
Keyed = dict[str | None, tuple[str, TemplateMatcher, Any, Callable[..., Any], Args]]


class _Source(NamedTuple):
    """What every lane of one source shares."""

    app: Any
    kind: str
    #: the body size limit (none: infinite)
    top: float
    #: the templates of the static routes, which the known matchers leave to the route map
    static: frozenset[str]
    bind: Bind
    unbind: Unbind
    finish: Finish
    #: ``plain(result)``: a plain result rendered (a type found to be JSON, or ``dict``,
    #: encoded in place), or :data:`NEXT` (not plain, or it does not render: the router
    #: finishes it)
    plain: Callable[[Any], Any]


def lanes(
    app: Any,
    keyed: Keyed,
    *,
    kind: str,
    render: ValueRenderer,
    limit: int | None,
    static: frozenset[str],
    bind: tuple[Bind, Unbind],
    finish: Finish,
) -> Lanes:
    """The lanes of one source's requests by route key (``keyed``: the compiled routes;
    ``static``: the templates of the static routes, which the known matchers leave to the
    route map)."""
    text_of = texts()
    jsons: set[type[Any]] = {dict}

    def plain(result: Any) -> Any:
        if type(result) in jsons:  # a type found to encode as JSON: encoded in place
            try:
                return render(None, encode_json(result).decode(), False, JSON)
            except RENDER_ERRORS:  # a lone surrogate too: the general reading tells
                pass
        try:
            text = text_of(result)
            if text is json_result:
                jsons.add(type(result))
                return render(None, json_text(result), False, JSON)
            if text is not None:
                return render(None, *text(result))
        except RENDER_ERRORS:
            pass
        return NEXT

    top = math.inf if limit is None else limit
    shared = _Source(app, kind, top, static, *bind, finish, plain)
    out: Lanes = {}
    for key, (method, matcher, endpoint, fn, build) in keyed.items():
        lane = _direct(method, endpoint, fn, build, shared)
        out[key] = lane or _lane(method, matcher, endpoint, fn, build, shared)
    return out


def _positional(fn: Callable[..., Any], names: tuple[str, ...]) -> bool:
    """True when calling ``fn`` with ``names``' values in order binds them as the keyword
    call does: a plain function whose positional parameters are exactly ``names``, none of
    them positional-only, and no keyword-only one (the same call, the same errors)."""
    code = getattr(fn, "__code__", None)
    return (
        type(fn) is FunctionType
        and code is not None
        and code.co_argcount == len(names)
        and code.co_posonlyargcount == 0
        and code.co_kwonlyargcount == 0
        and code.co_varnames[: len(names)] == names
    )


def failed(name: str, exc: BaseException) -> Any:
    """What the router finishes for an exception the handler ``name`` raised, or its
    arguments' conversion (a cancellation is raised on)."""
    if is_cancellation(exc):
        raise exc
    error = handler_error(name, exc)
    return exc if error is None else error


def _direct(
    want: str, endpoint: Any, fn: Callable[..., Any], build: Args, shared: _Source
) -> Lane | None:
    """The lane of a route whose template has one parameter, its whole last segment
    (``segment_parts``), matched here as its matcher matches it: a path-only route called
    with the segment alone, or a route of it and a body (``path_and_body``) called with the
    segment and the body's value; None for any other route."""
    parts = segment_parts(endpoint.path)
    if parts is None:
        return None
    prefix, key = parts
    route = endpoint.routes[want]
    body_of = None if build is params_only else path_and_body(route)
    if body_of is None and build is not params_only:
        return None
    body_name, convert = body_of[:2] if body_of is not None else ("", None)
    if not _positional(fn, (key, body_name) if body_of is not None else (key,)):
        return None
    two, cut, name = body_of is not None, len(prefix), route.plan.name
    app, kind, top, static, bind, unbind, finish, plain = shared
    spent = out_of_time(app.deadline_margin)
    modules = sys.modules

    def lane(event: Any, context: Any, line: RequestLine, body: bytes) -> Any:
        method, path, _, raw, is_b64, encoded = line
        if (
            method != want
            or not path.startswith(prefix)  # "" (read as "/", which ends in "/") too
            or path[-1] == "/"
            or "/" in (value := path[cut:])
            or path in static
            or (encoded and "%" in path)
        ):
            return NEXT
        # an ASCII text body is free of surrogates, and its size is its length
        if raw:
            if is_b64 or not raw.isascii() or len(raw) > top:
                return NEXT
        elif two:
            return NEXT  # its default, or a 422: the compiled answer tells
        # the deadline, read once: before a plain handler runs is the only point the
        # general path checks it (after the arguments: none of them is converted yet)
        if spent(context):
            return MISS
        cold = app._cold
        if cold:
            app._cold = False
        tokens = bind(context, kind, cold) if "structlog" in modules else None
        try:
            try:
                payload = raw if convert is None else convert(raw)
            except BaseException as exc:  # a 422, or the type's own failure
                outcome, raised = failed(name, refused(BODY_LABEL, exc)), True
            else:
                try:
                    result = fn(value, payload) if two else fn(value)
                except BaseException as exc:
                    outcome, raised = failed(name, exc), True
                else:
                    out = plain(result)
                    if out is not NEXT:
                        return out
                    outcome, raised = result, False
        finally:
            if tokens is not None:
                unbind(tokens)
        params = {key: value}  # the matched parameter
        return finish(event, context, body, endpoint, params, outcome, raised, cold, tokens)

    return lane


def _lane(
    want: str,
    matcher: TemplateMatcher,
    endpoint: Any,
    fn: Callable[..., Any],
    build: Args,
    shared: _Source,
) -> Lane:
    """The lane of any other compiled route: its template's matcher, its builder."""
    app, kind, top, _, bind, unbind, finish, plain = shared
    spent = out_of_time(app.deadline_margin)
    path_only = build is params_only
    name = endpoint.routes[want].plan.name
    modules = sys.modules

    def lane(event: Any, context: Any, line: RequestLine, body: bytes) -> Any:
        method, path, _, raw, is_b64, encoded = line
        if method != want:
            return NEXT
        params = matcher(path or "/", encoded)
        if params is None:
            return NEXT
        if raw and (is_b64 or not raw.isascii() or len(raw) > top):
            return NEXT
        if spent(context):
            return MISS
        cold = app._cold
        if cold:
            app._cold = False
        tokens = bind(context, kind, cold) if "structlog" in modules else None
        try:
            kw = params if path_only else build(params, raw, is_b64, context)
            if type(kw) is Refused:  # a 422, or a parameter type's own failure
                outcome, raised = failed(name, kw.error), True
            else:
                try:
                    result = fn(**kw)
                except BaseException as exc:
                    outcome, raised = failed(name, exc), True
                else:
                    out = plain(result)
                    if out is not NEXT:
                        return out
                    outcome, raised = result, False
        finally:
            if tokens is not None:
                unbind(tokens)
        return finish(event, context, body, endpoint, params, outcome, raised, cold, tokens)

    return lane


def finisher(app: Any, router: HttpRouter) -> Later:
    """What finishes a request after its handler ran, when the direct rendering does not:
    awaited by the caller, as the general path awaits it (loop-free, or on its loop), in
    the same log context."""
    bind, unbind = log_binder(app)

    def later(
        source: Any,  # lambent.http._compiled's _Source
        view: Any,
        event: Any,
        context: Any,
        endpoint: Any,
        params: dict[str, str],
        outcome: Any,
        raised: bool,
        cold: bool,
        tokens: tuple[Token[Any], ...] | None,
    ) -> Pending:
        if view is None:  # read from the raw event (``line``): the lean Struct holds the same
            view = msgspec.convert(event, source.lean)
        request = Request.from_lean(
            source.kind, view, event, source.event_type, context, web=source.web
        )
        request.path_params = params
        request.route = endpoint.path.template
        if tokens is not None:
            rebind: tuple[Any, str, bool] | None = (context, source.kind, cold)
            log = LazyLogger("lambent")
        else:
            rebind = None
            log = LazyLogger("lambent", invocation_values(app, context, source.kind, cold))
        return Pending(finish(request, outcome, log, raised, rebind))

    async def finish(
        request: Request,
        outcome: Any,
        log: Any,
        raised: bool,
        rebind: tuple[Any, str, bool] | None,
    ) -> Any:
        tokens = None if rebind is None else bind(*rebind)
        try:
            return await router.finish(request, outcome, log, raised=raised)
        finally:
            if tokens is not None:
                unbind(tokens)

    return later
