"""The parts a compiled HTTP route is made of (:mod:`lambent.http._compiled`): its
argument builder, compiled once from the route's resolved plan, how its handler's plain
result becomes wire text, decided once per result type, and how the invocation's log
values are bound (:func:`log_binder`).

Both answer as the general path does: :func:`compile_args` gives the keyword arguments
the general path's resolver gives, or a :class:`Refused` holding the error it would raise
(the 422 of a body that is missing or does not convert, or of a path parameter that does
not convert; what a parameter type's own code raised), so that the conversion, which may
run the user's code (a ``__post_init__``, a pydantic validator), runs once a request;
:func:`texts` gives :func:`~lambent.http._render.value_text` for what the direct
rendering takes, and None for what the router must finish (``None``, a ``Response``, a
stream, an awaitable). ``tests/http/test_compiled_parts.py`` compares them.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

import msgspec

from lambent._logging import OWNED, bind_invocation, unbind_invocation
from lambent._pipeline import invocation_values
from lambent.http._args import refused, required
from lambent.http._plan import BODY_LABEL, MISSING, From
from lambent.http._render import value_text
from lambent.http._response import JSON, Response, json_text
from lambent.http._streaming import Streamed, is_stream
from lambent.http._templates import compile_path
from lambent.http._views import body_payload

if TYPE_CHECKING:
    from lambent.http._registration import HttpRoute

__all__ = [
    "Args",
    "Bind",
    "Refused",
    "Text",
    "Unbind",
    "compile_args",
    "json_result",
    "log_binder",
    "params_only",
    "path_and_body",
    "texts",
]

#: per route: the keyword arguments from the matched parameters, the body as delivered,
#: whether it is base64 and the context, or a :class:`Refused`
Args = Callable[[dict[str, Any], str | None, bool, Any], Any]
#: a plain result's ``(wire text, is base64, content type)``
Text = Callable[[Any], tuple[str, bool, str]]
#: binds the invocation's log values: ``(context, source kind, cold start)`` -> the tokens
Bind = Callable[[Any, str, bool], tuple[Token[Any], ...]]
#: resets what :data:`Bind` set
Unbind = Callable[[tuple[Token[Any], ...]], None]

#: what the compiled arguments can take: the template's parameters, the body, the context
_COMPILED_SOURCES = frozenset({From.PATH, From.BODY, From.CONTEXT})


class Refused:
    """What an :data:`Args` builder gives for a request whose arguments the general path's
    resolver refuses: ``error``, what it raises (:func:`~lambent.http._args.refused`), for
    the router to answer as the handler's failure."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def compile_args(route: HttpRoute) -> Args | None:
    """The route's argument builder, or None when the general path must run it."""
    plan = route.plan
    if (
        route.middleware
        or route.idempotent
        or route.threaded
        or plan.is_async
        or plan.has_deps
        or any(p.source not in _COMPILED_SOURCES for p in plan.params)
    ):
        return None
    if route.path_only:  # the matched parameters: a fresh dict each time
        return params_only
    body_args = _path_and_body(route)
    if body_args is not None:
        return body_args
    steps = tuple((p.name, p.source, p.key, p.convert, p.default, p.label) for p in plan.params)

    def args(params: dict[str, Any], body: str | None, is_b64: bool, context: Any) -> Any:
        kw: dict[str, Any] = {}
        for name, source, key, convert, default, label in steps:
            if source is From.PATH:
                value: Any = params[key]
                if convert is not None:
                    try:
                        value = convert(value)
                    except BaseException as exc:  # a 422, or the type's own failure
                        return Refused(refused(label, exc))
            elif source is From.BODY:
                value = _body_value(body, is_b64, convert, default)
                if type(value) is Refused:
                    return value
            else:  # From.CONTEXT
                value = context
            kw[name] = value
        return kw

    return args


def params_only(params: dict[str, Any], body: str | None, is_b64: bool, context: Any) -> Any:
    """The builder of a route taking its path parameters only (``path_only``): the matched
    parameters themselves (a fresh dict each time)."""
    return params


def path_and_body(route: HttpRoute) -> tuple[str, Callable[[Any], Any] | None, Any] | None:
    """The body parameter (its name, converter and default) of a route taking every path
    parameter as a string and one body parameter (``PUT /orders/{id}`` with a typed
    order); None for any other route."""
    params = route.plan.params
    paths = [p for p in params if p.source is From.PATH]
    bodies = [p for p in params if p.source is From.BODY]
    if (
        len(bodies) != 1
        or len(paths) + 1 != len(params)
        or {p.key for p in paths} != set(compile_path(route.template).params)
        or any(p.convert is not None or p.name != p.key for p in paths)
    ):
        return None
    return bodies[0].name, bodies[0].convert, bodies[0].default


def _path_and_body(route: HttpRoute) -> Args | None:
    """The builder of a :func:`path_and_body` route: the matched parameters and the body's
    value; None for any other route."""
    found = path_and_body(route)
    if found is None:
        return None
    name, convert, default = found

    def args(params: dict[str, Any], body: str | None, is_b64: bool, context: Any) -> Any:
        value = _body_value(body, is_b64, convert, default)
        if type(value) is Refused:
            return value
        kw = params.copy()  # the matched parameters stay the request's own
        kw[name] = value
        return kw

    return args


def _body_value(
    body: str | None, is_b64: bool, convert: Callable[[Any], Any] | None, default: Any
) -> Any:
    """A body parameter's value: the body as delivered, converted (``convert``), or
    ``default`` when there is none; :class:`Refused` where the general path refuses it (no
    body and no default, a body that does not convert, its type's own failure)."""
    value = body_payload(body, is_b64)
    if not value:
        return Refused(required(BODY_LABEL)) if default is MISSING else default
    if convert is None:
        return value
    try:
        return convert(value)
    except BaseException as exc:  # a 422, or the type's own failure: as the general path says
        return Refused(refused(BODY_LABEL, exc))


def texts() -> Callable[[Any], Text | None]:
    """How a handler result becomes its wire text, decided once per result type: None
    for what the direct rendering does not take (``None``, a Response, a stream, an
    awaitable, a tuple), else :func:`~lambent.http._render.value_text`, or for a dict, a list or
    a Struct its JSON branch."""
    known: dict[type[Any], Text | None] = {}

    def text_of(value: Any) -> Text | None:
        kind = type(value)
        found = known.get(kind, _unknown)
        if found is not _unknown:
            return found
        text: Text | None
        if (
            value is None
            or kind is tuple  # (body, status[, headers]): the router reads it
            or isinstance(value, Response | Streamed)
            or inspect.isawaitable(value)
            or is_stream(value)
        ):
            text = None
        elif kind is dict or kind is list or isinstance(value, msgspec.Struct):
            text = json_result
        else:
            text = value_text
        if kind is not types.GeneratorType:  # awaitable or not per object
            known[kind] = text
        return text

    return text_of


def json_result(value: Any) -> tuple[str, bool, str]:
    """``value_text`` of a dict, a list or a Struct."""
    return json_text(value), False, JSON


def _unknown(value: Any) -> tuple[str, bool, str]:
    """The mark of a result type not met yet (never called)."""
    raise AssertionError(value)


def log_binder(app: Any) -> tuple[Bind, Unbind]:
    """``bind_invocation`` and ``unbind_invocation`` of :mod:`lambent._logging` for the
    invocation's four values (:func:`~lambent._pipeline.invocation_values`, in its
    order), with the context variables they set found once (the first binding makes
    them; they are the same ones each time) and the values read straight from the
    context, set and reset one by one (a dict and a loop over it cost as much again).

    In a context that runs invocations only (:func:`lambent._logging.invocation_context`,
    ``lambent.runtime``'s loop-free loop) the values stay bound after the invocation:
    each is set only when it is not the one bound already (the request id, usually
    alone), and nothing is reset (the tokens are empty)."""
    found: list[ContextVar[Any]] = []
    owned = OWNED

    def bind(context: Any, kind: str, cold: bool) -> tuple[Token[Any], ...]:
        if len(found) != 4:
            values = invocation_values(app, context, kind, cold)
            tokens = bind_invocation(values)
            if tuple(values) == _BOUND:
                found[:] = [token.var for token in tokens]
            return tokens
        a, b, c, d = found
        if owned.get():
            a.set(getattr(context, "aws_request_id", None))
            name = getattr(context, "function_name", app.name)
            if b.get() is not name:
                b.set(name)
            if c.get() is not cold:
                c.set(cold)
            if d.get() is not kind:
                d.set(kind)
            return ()
        return (
            a.set(getattr(context, "aws_request_id", None)),
            b.set(getattr(context, "function_name", app.name)),
            c.set(cold),
            d.set(kind),
        )

    def unbind(tokens: tuple[Token[Any], ...]) -> None:
        if len(tokens) != 4 or len(found) != 4:
            unbind_invocation(tokens)
            return
        a, b, c, d = found
        ta, tb, tc, td = tokens
        d.reset(td)
        c.reset(tc)
        b.reset(tb)
        a.reset(ta)

    return bind, unbind


#: the keys :func:`~lambent._pipeline.invocation_values` binds, in order
_BOUND = ("aws_request_id", "function_name", "cold_start", "source")
