"""HTTP handler parameters, resolved once at registration.

A parameter's value comes from (first rule that applies):

* its annotation: :class:`~lambent.http.Request`, the Lambda context, a logger, the
  source's Struct (``RestRequest``, ``HttpApiRequest``, ...), or ``Annotated[T, marker]``
  with :class:`Query`, :class:`Header`, :class:`Cookie` or :class:`Body`;
* its name: a path parameter of the route template (converted to the annotation: ``str``,
  ``int``, ``UUID``, an ``Enum``, ...); unannotated ``request``, ``event`` (the source's
  Struct, whichever source), ``context``, ``logger``;
* its type: scalars (and lists of scalars) are query parameters; anything else (a Struct,
  dataclass, TypedDict, dict, list of Structs, ``bytes``) is the body, decoded from JSON.

``Annotated[T, Depends(provider)]`` takes ``provider``'s value; the provider's own
parameters are resolved here by the same rules (with the route's path parameters), once,
into a :class:`Dependency` of the plan. :mod:`lambent.http._depends` runs them.

A value that does not convert answers 422 naming the parameter and the field path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import inspect
import types
import typing
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import msgspec

from lambent._decode import build_decoder
from lambent._errors import ConfigurationError
from lambent._inject import Depends, Slot, as_function, misplaced_marker, resolve_params
from lambent.http._convert import converter
from lambent.http._plan import (
    BODY_LABEL,
    MISSING,
    Body,
    Cookie,
    Dependency,
    DependencyMode,
    From,
    Header,
    HttpParam,
    HttpPlan,
    Query,
)
from lambent.http._request import Request

__all__ = ["is_scalar", "resolve_dependency", "resolve_http", "with_metrics"]

_SCALARS = (str, int, float, bool, uuid.UUID, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta)


def is_scalar(ann: Any) -> bool:
    if ann in _SCALARS or ann is Any or (isinstance(ann, type) and issubclass(ann, enum.Enum)):
        return True
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return True
    if origin in (typing.Union, types.UnionType):
        return all(a is type(None) or is_scalar(a) for a in typing.get_args(ann))
    return False


def _is_multi(ann: Any) -> bool:
    if _optional(ann):
        rest = [a for a in typing.get_args(ann) if a is not type(None)]
        return len(rest) == 1 and _is_multi(rest[0])
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    return origin in (list, tuple, set, frozenset, Sequence) and bool(args) and is_scalar(args[0])


def _optional(ann: Any) -> bool:
    return typing.get_origin(ann) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(ann)


def _strip_optional(ann: Any) -> Any:
    if _optional(ann):
        rest = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return ann


def _body_decoder(ann: Any, label: str, constraints: tuple[Any, ...] = ()) -> Callable[[Any], Any]:
    """The body as ``bytes``, as text (``str``), or decoded from JSON into ``ann``;
    ``constraints`` (``msgspec.Meta``) checked on any of them."""
    if ann is bytes or ann is str:
        raw: Callable[[Any], Any] = (
            (lambda payload: payload if isinstance(payload, bytes) else payload.encode())
            if ann is bytes
            else (lambda payload: payload if isinstance(payload, str) else payload.decode())
        )
        if not constraints:
            return raw
        typed = _typed(ann, constraints)
        return lambda payload: msgspec.convert(raw(payload), typed)
    return build_decoder(_typed(ann, constraints), "json", label)


def resolve_http(
    fn: Callable[..., Any],
    *,
    where: str,
    path_params: Sequence[str],
    event_types: tuple[type[Any], ...],
) -> HttpPlan:
    """Resolve ``fn``'s parameters for an HTTP route whose template has ``path_params``."""
    return _resolve(fn, where, tuple(path_params), event_types, ())


#: the shared slots (:func:`lambent._inject.shared_slot`) as HTTP parameters
_SHARED = {Slot.CONTEXT: From.CONTEXT, Slot.LOGGER: From.LOGGER, Slot.METRICS: From.METRICS}


class _HttpRules:
    """One HTTP handler's (or ``Depends`` provider's) parameters: see the module."""

    def __init__(
        self,
        path_params: tuple[str, ...],
        event_types: tuple[type[Any], ...],
        stack: tuple[Callable[..., Any], ...],
    ) -> None:
        self.path_params, self.event_types, self.stack = path_params, event_types, stack
        self.body: HttpParam | None = None
        #: required query parameters only by their type (no marker, no default)
        self.guessed: list[str] = []

    def shared(self, p: inspect.Parameter, slot: Slot, ann: Any) -> HttpParam:
        return HttpParam(p.name, _SHARED[slot])

    def depends(self, p: inspect.Parameter, ann: Any, marker: Depends, label: str) -> HttpParam:
        dep = resolve_dependency(
            marker.provider,
            where=label,
            path_params=self.path_params,
            event_types=self.event_types,
            stack=self.stack,
        )
        inner = typing.get_args(ann)[0]
        return HttpParam(p.name, From.DEPENDS, annotation=inner, dep=dep, label=dep.plan.name)

    def param(self, p: inspect.Parameter, ann: Any, label: str) -> HttpParam:
        param = _resolve_one(p, ann, label, self.path_params, self.event_types)
        if param.source is From.BODY:
            if self.body is not None:
                raise ConfigurationError(
                    f"{label}: a second body parameter (the body already goes to "
                    f"{self.body.name!r})"
                )
            self.body = param
        elif (
            param.source is From.QUERY
            and param.default is MISSING
            and typing.get_origin(ann) is not typing.Annotated  # not an explicit Query()
        ):
            self.guessed.append(param.name)
        return param


def _resolve(
    fn: Callable[..., Any],
    where: str,
    path_params: tuple[str, ...],
    event_types: tuple[type[Any], ...],
    stack: tuple[Callable[..., Any], ...],
) -> HttpPlan:
    rules = _HttpRules(path_params, event_types, (*stack, fn))
    found = resolve_params(fn, where, rules)
    deps = [p.dep for p in found.params if p.dep is not None]
    plan = HttpPlan(
        found.fn,
        found.name,
        found.is_async,
        found.params,
        has_deps=bool(deps),
        async_deps=any(d.mode in ("async", "agen") or d.plan.async_deps for d in deps),
    )
    if not stack:  # the route's handler: its dependencies may read the path parameters
        _check_path_params(where, path_params, plan, rules.guessed)
    return plan


def resolve_dependency(
    provider: Callable[..., Any],
    *,
    where: str,
    path_params: tuple[str, ...],
    event_types: tuple[type[Any], ...],
    stack: tuple[Callable[..., Any], ...] = (),
) -> Dependency:
    """``provider`` resolved as a handler of a route with ``path_params`` would be."""
    if provider in stack:
        chain = " -> ".join(getattr(f, "__qualname__", repr(f)) for f in (*stack, provider))
        raise ConfigurationError(f"{where}: dependency cycle {chain}")
    fn = as_function(provider)  # an instance of a class with ``__call__``: that method
    plan = _resolve(fn, where, path_params, event_types, stack)
    mode: DependencyMode = (
        "agen"
        if inspect.isasyncgenfunction(fn)
        else "gen"
        if inspect.isgeneratorfunction(fn)
        else "async"
        if inspect.iscoroutinefunction(fn)
        else "call"
    )
    return Dependency(provider, plan, mode, path_params)


def _check_path_params(
    where: str, path_params: Sequence[str], plan: HttpPlan, guessed: list[str]
) -> None:
    """Refuse a handler that leaves a path parameter unread (by it or its dependencies)
    while one of its parameters (``guessed``), by its name not matched to it, became a
    required query parameter: every request would answer 422 for a query parameter the
    author meant to take from the path."""
    read = plan.flat_params() if plan.has_deps else plan.params
    claimed = {p.key for p in read if p.source is From.PATH}
    unread = [n for n in path_params if n not in claimed]
    if not unread or any(p.source in (From.REQUEST, From.EVENT) for p in read):
        return  # all read, or read through the request
    if guessed:
        shown = ", ".join(repr(n) for n in unread)
        raise ConfigurationError(
            f"{where}: {plan.name}, parameter {guessed[0]!r} matches no path parameter and "
            f"would be a required query parameter, while the path parameter {shown} goes to "
            f"no parameter: rename it to {unread[0]!r} (or mark it Annotated[..., Query()], "
            "or give it a default, if it really is a query parameter)"
        )


def _resolve_one(
    p: inspect.Parameter,
    ann: Any,
    label: str,
    path_params: tuple[str, ...],
    event_types: tuple[type[Any], ...],
) -> HttpParam:
    default = p.default
    if isinstance(default, (Query, Header, Cookie, Body)):
        misplaced_marker(label, p, ann, default)
    marker: Any = None
    #: ``msgspec.Meta`` constraints, checked when converting (``Annotated[int, Meta(ge=1)]``)
    constraints: tuple[Any, ...] = ()
    if typing.get_origin(ann) is typing.Annotated:
        args = typing.get_args(ann)
        ann = args[0]
        marker = next((a for a in args[1:] if isinstance(a, (Query, Header, Cookie, Body))), None)
        constraints = tuple(a for a in args[1:] if isinstance(a, msgspec.Meta))
        _refuse_foreign(label, args[1:])
    if ann is not MISSING and default is MISSING and _optional(ann):
        default = None
    if marker is None:
        if ann is MISSING:
            if p.name == "request":
                return HttpParam(p.name, From.REQUEST)
            if p.name == "event":  # the source's event, as ``handler(event, context)`` has it
                return HttpParam(p.name, From.EVENT, convert=_same)
            ann = str
        base = _strip_optional(ann)
        if isinstance(base, type) and issubclass(base, Request):
            return HttpParam(p.name, From.REQUEST)
        if isinstance(base, type) and issubclass(base, event_types):
            # another source's request gives None (so annotate ``RestRequest | None``)
            return HttpParam(
                p.name, From.EVENT, convert=lambda e: e if isinstance(e, base) else None
            )
        if p.name in path_params:
            if not is_scalar(ann):
                raise ConfigurationError(f"{label}: a path parameter must be a scalar, not {ann!r}")
            where = f"path parameter {p.name!r}"
            return HttpParam(
                p.name,
                From.PATH,
                p.name,
                converter(_typed(ann, constraints), label),
                label=where,
                annotation=_typed(ann, constraints),
            )
        marker = Query() if is_scalar(ann) or _is_multi(ann) else Body()
    if isinstance(marker, Body):
        return HttpParam(
            p.name,
            From.BODY,
            "",
            _body_decoder(ann, label, constraints),
            default=default,
            label=BODY_LABEL,
            annotation=_typed(ann, constraints),
        )
    multi = _is_multi(ann)
    typed = _typed(ann, constraints)
    if not (multi or is_scalar(ann)):
        raise ConfigurationError(
            f"{label}: {type(marker).__name__} parameters must be scalars or lists of them"
        )
    if isinstance(marker, Header):
        key = (marker.alias or p.name.replace("_", "-")).lower()
        shown = f"header {key!r}"
        convert = converter(typed, label)
        return HttpParam(p.name, From.HEADER, key, convert, multi, default, shown, typed)
    if isinstance(marker, Cookie):
        key = marker.alias or p.name
        shown = f"cookie {key!r}"
        convert = converter(typed, label)
        return HttpParam(p.name, From.COOKIE, key, convert, False, default, shown, typed)
    key = marker.alias or p.name
    shown = f"query parameter {key!r}"
    convert = converter(typed, label)
    return HttpParam(p.name, From.QUERY, key, convert, multi, default, shown, typed)


#: packages whose ``Annotated`` metadata lambent does not read: a constraint of theirs
#: (``pydantic.Field(ge=1)``, ``annotated_types.Ge(1)``) or a marker (``fastapi.Query``,
#: ``fastapi.Depends``) on a parameter would go unchecked, or make it a query parameter
_FOREIGN = ("pydantic", "annotated_types", "fastapi", "starlette")


def _refuse_foreign(label: str, extras: Sequence[Any]) -> None:
    """ConfigurationError for ``Annotated`` metadata of :data:`_FOREIGN` packages."""
    for extra in extras:
        package = type(extra).__module__.partition(".")[0]
        if package in _FOREIGN:
            raise ConfigurationError(
                f"{label}: {extra!r} is {package}'s, which lambent does not read (it would "
                "go unchecked): write constraints as msgspec.Meta (Annotated[int, "
                "msgspec.Meta(ge=1)]) and markers as lambent.http's Query, Header, Cookie, "
                "Body and lambent's Depends"
            )


def _same(value: Any) -> Any:
    return value


def _typed(ann: Any, constraints: tuple[Any, ...]) -> Any:
    """``ann`` with its ``msgspec.Meta`` constraints again (on the type inside an
    ``Optional``, where msgspec takes them)."""
    if not constraints:
        return ann
    if _optional(ann):
        inner = _strip_optional(ann)
        if inner is not ann:
            return typing.Annotated[(inner, *constraints)] | None
    return typing.Annotated[(ann, *constraints)]


def with_metrics(plan: HttpPlan, metrics: Any, where: str) -> HttpPlan:
    """``plan`` with a ``Metrics`` parameter given the app's ``metrics`` (an error when the
    app has none)."""
    if not any(p.source is From.METRICS for p in plan.params):
        return plan
    if metrics is None:
        raise ConfigurationError(
            f"{where}: {plan.name} declares Metrics, but the app has none: "
            "App(metrics=Metrics(namespace=...))"
        )
    params = tuple(
        dataclasses.replace(p, convert=lambda _: metrics) if p.source is From.METRICS else p
        for p in plan.params
    )
    return dataclasses.replace(plan, params=params)
