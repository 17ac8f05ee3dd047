"""HTTP requests answered by routes compiled at freeze time (the ``compiled_http`` fast
path of :mod:`lambent._fast`).

An app whose HTTP handlers are plain ``def`` functions, with no CORS, no app middleware,
no metrics and no tracing, answers most requests without the pipeline's coroutines, a
:class:`~lambent.http.Request` or a :class:`~lambent.http.Response`: :func:`compile_http`
gives ``answer(event, context)``, which detects the source (the registry's answer, in
the fewer steps :func:`lambent.sources.detector` finds for the app's HTTP sources, or
none where the event's own fields settle it: ``WebSpec.certain``,
:func:`lambent.sources.certain_reader`), reads its request line (the source's
``WebSpec.line`` straight from the event's fields, else its lean view), finds the route (the service's route key looked up among the routes
compiled at freeze and checked by the template's own matcher, else the router's own
map), builds the handler's keyword arguments with converters compiled per route
(:mod:`lambent.http._compiled_parts`), calls the handler and renders its plain result
straight into the source's wire shape. The invocation's log context is bound only when structlog is
imported (something may log through it); otherwise it waits on the lazy logger, which
costs nothing unless something is logged.

Whatever the general path would answer differently from "call the handler with these
arguments and render its result" is left to it: ``answer`` returns :data:`MISS` before
any user code runs (no route, ``HEAD``/``OPTIONS``, 404/405/413/400 answers, a route
with middleware, dependencies, a logger, the request, headers, query or cookies, an
idempotent or async route, an exhausted deadline, ``TestClient`` overrides). The
arguments are converted once (a body type's ``__post_init__`` is user code too): what
the general path refuses (its 422, a parameter type's own failure) is the handler's
failure. Once the handler ran, a result that is not plain (``None``, a ``Response``, a
stream, an awaitable) or that does not render, and an exception, are finished by the
router's own code (:meth:`~lambent.http._router.HttpRouter.finish`), as the general path
finishes them.
``tests/http/test_compiled.py`` compares both paths. A request line naming a route key
that has a lane (:mod:`lambent.http._lanes`, the ``route_lanes`` fast path: the route's
constants bound at freeze) is offered to it first; what a lane does not take goes on here.

:func:`compile_http_both` also gives ``from_bytes(body, context)`` for ``lambent.runtime``:
the same answer, from a request line read off the invocation's bytes by the source's
lean view (:func:`lambent.sources.line_reader`) where that view settles detection; the
full event is decoded only for the router to finish a request
(``tests/http/test_compiled_bytes.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from lambent._deadline import remaining_seconds
from lambent._decode import CONVERT_ERRORS, invocation_json
from lambent._errors import RoutingError
from lambent._fast import FAST, Pending
from lambent._fast import MISS as _MISS
from lambent.http._compiled_parts import (
    Args,
    Refused,
    compile_args,
    json_result,
    log_binder,
    texts,
)
from lambent.http._lanes import NEXT, Keyed, Lanes, Later, failed, finisher, lanes
from lambent.http._render import RENDER_ERRORS, RENDERERS, ValueRenderer
from lambent.http._request import body_size, surrogate_free
from lambent.http._response import JSON, json_text
from lambent.sources._base import RequestLine, WebSpec

if TYPE_CHECKING:
    from lambent.http._router import HttpRouter

__all__ = ["DETECT", "MISS", "Answer", "BytesAnswer", "compile_http", "compile_http_both"]

#: what ``answer`` returns when the general path must answer the event
MISS: Any = _MISS
#: ``answer``'s ``spec`` when the caller has not detected the event's source
DETECT: Any = object()

#: ``answer(event, context[, spec])``: ``spec`` is the event's source when the caller
#: detected it already
Answer = Callable[..., Any]
#: ``from_bytes(body, context)``: :data:`Answer` for the invocation's bytes
BytesAnswer = Callable[[bytes, Any], Any]


class _Source(msgspec.Struct, frozen=True):
    """What a compiled answer needs of one HTTP source, read once from its spec."""

    kind: str
    event_type: type[Any]
    web: WebSpec
    lean: type[Any]
    encoded: Callable[[Any], bool] | None
    render: ValueRenderer
    service_timeout: bool
    template: Callable[[Mapping[str, Any]], str | None] | None
    line: Callable[[Mapping[str, Any]], RequestLine | None] | None


def compile_http(app: Any, router: HttpRouter) -> Answer | None:
    """``answer(event, context)`` for ``app``'s HTTP requests, or None when the app has
    nothing the fast path can answer (``app`` is loop-free: checked by the caller)."""
    both = compile_http_both(app, router)
    return None if both is None else both[0]


def compile_http_both(app: Any, router: HttpRouter) -> tuple[Answer, BytesAnswer | None] | None:
    """:func:`compile_http`'s ``answer``, and ``from_bytes(body, context)``, which answers
    from the invocation's bytes the requests of the sources that decode them into a lean
    view (:attr:`~lambent.sources._base.WebSpec.from_bytes`; the ``lean_bytes`` fast path),
    or None; both :data:`MISS` where the general path answers (``from_bytes``: also
    wherever the view does not settle the source, as the full event does)."""
    if router.config.cors is not None or router.middleware:
        return None
    if app.metrics is not None or app.tracing is not None:
        return None
    from lambent import sources

    by_spec: dict[int, _Source] = {}
    for spec in sources.web("request"):
        web = spec.web
        if web is not None and web.lean is not None and web.wire in RENDERERS:
            by_spec[id(spec)] = _Source(
                spec.kind,
                spec.event_type,
                web,
                web.lean,
                web.path_encoded,
                RENDERERS[web.wire].value,
                web.service_timeout,
                web.template,
                None if RENDERERS[web.wire].reads_request else web.line,
            )
    compiled: dict[int, tuple[Callable[..., Any], Args]] = {}
    for route in router.routes.values():
        args = compile_args(route)
        if args is not None:
            compiled[id(route)] = (route.plan.fn, args)
    if not by_spec or not compiled:
        return None
    return _answerer(app, router, by_spec, compiled)


def _answerer(
    app: Any,
    router: HttpRouter,
    by_spec: dict[int, _Source],
    compiled: dict[int, tuple[Callable[..., Any], Args]],
) -> tuple[Answer, BytesAnswer | None]:
    from lambent import sources

    # detection: the same answer as the registry's ordered scan, with fewer steps for
    # the app's HTTP sources (lambent.sources.detector)
    spec_for = sources.detector(_specs(by_spec)) if FAST.http_detection else sources.spec_for
    # "METHOD /template" -> the compiled route of a template the route map checks by its
    # own matcher (``match_known``)
    keyed: Keyed = {}
    for template, (endpoint, matcher) in router.routes.known().items():
        for method, route in endpoint.routes.items():
            entry = compiled.get(id(route))
            if entry is not None:
                keyed[f"{method} {template}"] = (method, matcher, endpoint, *entry)
    later = finisher(app, router)
    ones = {
        key: _source_answer(app, router, source, keyed, compiled, later)
        for key, source in by_spec.items()
    }
    lanes_of = {key: _lanes(app, router, source, keyed, later) for key, source in by_spec.items()}

    # the sources whose events' own fields may settle detection (API Gateway's): their
    # line read first, detection skipped when it is
    # (the readers exclude each other: the one that settled the last event is tried first)
    certain = tuple(
        (settle, ones[id(spec)], lanes_of[id(spec)])
        for spec in _specs(by_spec)
        if FAST.certain_lines
        and by_spec[id(spec)].line is not None
        and (settle := sources.certain_reader(spec)) is not None
    )

    def answer(event: Any, context: Any, spec: Any = DETECT) -> Any:
        nonlocal certain
        if type(event) is not dict or router.overrides:
            return MISS
        if spec is DETECT:
            for pair in certain:
                line = pair[0](event)
                if line is not None:
                    if pair is not certain[0]:
                        certain = (pair, *(other for other in certain if other is not pair))
                    lane = pair[2].get(line[2])
                    if lane is not None:
                        out = lane(event, context, line, b"")
                        if out is not NEXT:
                            return out
                    return pair[1](event, context, line)
            try:
                spec = spec_for(event)
            except RoutingError:  # a source's detector raised: the general path fails it
                return MISS
        one = ones.get(id(spec))
        return MISS if one is None else one(event, context)

    readers = [
        (read, ones[id(spec)], lanes_of[id(spec)])
        for spec in _specs(by_spec)
        if by_spec[id(spec)].line is not None  # its rendering reads nothing of the view
        and (read := sources.line_reader(spec)) is not None
    ]
    if not FAST.lean_bytes:
        return answer, None

    if len(readers) != 1:  # one source reads its bytes (HTTP APIs): none, or ambiguous
        return answer, None
    ((read, one, lanes),) = readers

    def from_bytes(body: bytes, context: Any) -> Any:
        line = None if router.overrides else read(body)
        if line is None:
            return MISS
        lane = lanes.get(line[2])
        if lane is not None:
            out = lane(None, context, line, body)
            if out is not NEXT:
                return out
        return one(None, context, line, body)

    return answer, from_bytes


def _lanes(app: Any, router: HttpRouter, source: _Source, keyed: Keyed, later: Later) -> Lanes:
    """The lanes of ``source``'s requests (none: its requests are out of time at once, its
    rendering reads the request, or ``route_lanes`` is off)."""
    config = router.config
    spent = source.service_timeout and config.api_gateway_timeout - app.deadline_margin <= 0
    if spent or source.line is None or not FAST.route_lanes:
        return {}
    whole = invocation_json

    def finish(event: Any, context: Any, body: bytes, *rest: Any) -> Pending:
        # JSON: the lean view decoded (read as the general path reads it)
        return later(source, None, whole(body) if event is None else event, context, *rest)

    static = frozenset(e.path.template for e in router.routes.endpoints() if e.path.is_static)
    return lanes(
        app, keyed, kind=source.kind, render=source.render, limit=config.max_body_size,
        static=static, bind=log_binder(app), finish=finish,
    )  # fmt: skip


def _source_answer(
    app: Any,
    router: HttpRouter,
    source: _Source,
    keyed: Keyed,
    compiled: dict[int, tuple[Callable[..., Any], Args]],
    later: Later,
) -> Callable[..., Any]:
    """``answer`` for the requests of one source, its constants read once."""
    routes = router.routes
    config = router.config
    limit = config.max_body_size
    convert = msgspec.convert
    text_of = texts()
    bind, unbind = log_binder(app)
    margin = app.deadline_margin
    lean, encoded_of, template_of, line_of = (
        source.lean,
        source.encoded,
        source.template,
        source.line,
    )
    render, kind = source.render, source.kind
    # API Gateway's own timeout within the margin: its requests are out of time at once
    spent = source.service_timeout and config.api_gateway_timeout - margin <= 0
    modules = sys.modules
    whole = invocation_json

    def answer(
        event: dict[str, Any] | None,
        context: Any,
        given: RequestLine | None = None,
        body: bytes = b"",
    ) -> Any:
        # ``given``: the request line, read already (``event`` None: from the invocation's
        # bytes, ``body``)
        line = given if given is not None or line_of is None or event is None else line_of(event)
        if line is not None:
            view = None
            method, path, key, raw, is_b64, encoded = line
            path = path or "/"
            # the route the service says it matched, checked by its template's own matcher
            hit = keyed.get(key)
            params = None if hit is None or hit[0] != method else hit[1](path, encoded)
        else:
            try:
                view = convert(event, lean)
            except CONVERT_ERRORS:
                return MISS  # the general path says why the event does not decode
            method, path, raw, is_b64 = (
                view.method,
                view.path or "/",
                view.body,
                view.is_base64_encoded,
            )
            encoded = encoded_of is not None and encoded_of(view)
            hit = params = None
        if hit is not None and params is not None:
            endpoint, fn, build = hit[2], hit[3], hit[4]
        else:
            # the template hint is read from the event (from bytes: the map matches alone,
            # with the same answer, ``RouteMap.match_known``)
            template = None if template_of is None or event is None else template_of(event)
            if template is None:
                found = routes.match(path, encoded=encoded)
            else:
                found = routes.match_known(template, path, encoded=encoded)
            if found is None:
                return MISS
            endpoint, params = found
            entry = compiled.get(id(endpoint.routes.get(method)))
            if entry is None:
                return MISS
            fn, build = entry
        # an ASCII text body is free of surrogates, and its size is its length
        if (
            raw
            and not (raw.isascii() and not is_b64 and (limit is None or len(raw) <= limit))
            and (not surrogate_free(raw) or (limit is not None and body_size(raw, is_b64) > limit))
        ):
            return MISS  # 400 or 413
        # the deadline, read once: the handler is plain, so before it runs is the only
        # point the general path checks it (``budget(...) <= 0``: a 504)
        if spent:
            return MISS
        left = remaining_seconds(context)
        if left is not None and left - margin <= 0:
            return MISS
        cold = app._cold  # an app started before its first invocation (app.running())
        if cold:
            app._cold = False
        # the invocation's log context: bound now when a handler may log through structlog,
        # else only on lambent's lazy logger, should anything be logged
        tokens = bind(context, kind, cold) if "structlog" in modules else None
        try:
            # the arguments, converted once: what the general path refuses (a 422, a
            # parameter type's own failure) is answered as the router answers it
            kw = build(params, raw, is_b64, context)
            if type(kw) is Refused:
                outcome: Any = failed(endpoint.routes[method].plan.name, kw.error)
                raised = True
            else:
                try:
                    result = fn(**kw)
                except BaseException as exc:  # answered as the router answers it
                    outcome, raised = failed(endpoint.routes[method].plan.name, exc), True
                else:
                    text = text_of(result)
                    try:
                        if text is json_result:  # a dict, a list or a Struct: JSON
                            return render(view, json_text(result), False, JSON)
                        if text is not None:
                            return render(view, *text(result))
                    except RENDER_ERRORS:
                        pass  # finished below: the router answers the 500 and logs why
                    outcome, raised = result, False
        finally:
            if tokens is not None:
                unbind(tokens)
        if event is None:  # JSON: the lean view decoded (read as the general path reads it)
            event = whole(body)
        return later(source, view, event, context, endpoint, params, outcome, raised, cold, tokens)

    return answer


def _specs(by_spec: dict[int, _Source]) -> list[Any]:
    from lambent import sources

    return [s for s in sources.web("request") if id(s) in by_spec]
