"""HTTP handler parameters, resolved once at registration.

A parameter's value comes from (first rule that applies):

* its annotation: :class:`~lambent.http.Request`, the Lambda context, a logger, the
  source's Struct (``RestRequest``, ``HttpApiRequest``, ...), or ``Annotated[T, marker]``
  with :class:`Query`, :class:`Header`, :class:`Cookie` or :class:`Body`;
* its name: a path parameter of the route template (converted to the annotation: ``str``,
  ``int``, ``UUID``, an ``Enum``, ...); unannotated ``request``, ``context``, ``logger``;
* its type: scalars (and lists of scalars) are query parameters; anything else (a Struct,
  dataclass, TypedDict, dict, list of Structs, ``bytes``) is the body, decoded from JSON.

A value that does not convert answers 422 naming the parameter and the field path.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import types
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from lambent._decode import build_decoder
from lambent._errors import ConfigurationError
from lambent._inject import is_context_type, is_logger_type, signature_params
from lambent.http._request import Request
from lambent.http._response import RequestValidationError
from lambent.sources._base import FieldError

__all__ = ["Body", "Cookie", "Header", "HttpPlan", "Query", "build_args", "resolve_http"]

MISSING: Any = inspect.Parameter.empty
_SCALARS = (str, int, float, bool, uuid.UUID, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta)
_CONVERT_ERRORS = (
    msgspec.ValidationError,
    msgspec.DecodeError,
    ValueError,
    TypeError,
    UnicodeError,
)


@dataclass(frozen=True, slots=True)
class Query:
    """``Annotated[T, Query("name")]``: a query parameter (``alias``: its name in the URL)."""

    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Header:
    """``Annotated[T, Header()]``: a header (default name: the parameter's, ``_`` -> ``-``)."""

    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Cookie:
    """``Annotated[T, Cookie()]``: a request cookie."""

    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Body:
    """``Annotated[T, Body()]``: the body, even for a scalar type such as ``str``."""


class From(enum.Enum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"
    REQUEST = "request"
    EVENT = "event"
    CONTEXT = "context"
    LOGGER = "logger"
    NAMED = "named"  # a value taken from the event by a getter (authorizers, edge)


@dataclass(frozen=True, slots=True)
class HttpParam:
    name: str
    source: From
    key: str = ""
    convert: Callable[[Any], Any] | None = None
    multi: bool = False
    default: Any = MISSING
    label: str = ""


@dataclass(frozen=True, slots=True)
class HttpPlan:
    """A handler with its parameters."""

    fn: Callable[..., Any]
    name: str
    is_async: bool
    params: tuple[HttpParam, ...]

    def describe(self) -> str:
        return f"{self.name}({', '.join(f'{p.name}: {p.source.value}' for p in self.params)})"


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


def _converter(ann: Any, label: str) -> Callable[[Any], Any] | None:
    if ann is str or ann is Any or ann == (str | None):
        return None
    try:
        msgspec.json.Decoder(ann)
    except TypeError as exc:
        raise ConfigurationError(
            f"{label}: cannot convert a parameter into {ann!r}: {exc}"
        ) from None

    def convert(value: Any) -> Any:
        return msgspec.convert(value, ann, strict=False)

    return convert


def _body_decoder(ann: Any, label: str) -> Callable[[Any], Any]:
    if ann is bytes:
        return lambda payload: payload if isinstance(payload, bytes) else payload.encode()
    if ann is str:
        return lambda payload: payload if isinstance(payload, str) else payload.decode()
    return build_decoder(ann, "json", label)


def resolve_http(
    fn: Callable[..., Any],
    *,
    where: str,
    path_params: Sequence[str],
    event_types: tuple[type[Any], ...],
) -> HttpPlan:
    """Resolve ``fn``'s parameters for an HTTP route whose template has ``path_params``."""
    name, signature = signature_params(fn, where)
    params: list[HttpParam] = []
    body: HttpParam | None = None
    for p, ann in signature:
        label = f"{where}: {name}, parameter {p.name!r}"
        param = _resolve_one(p, ann, label, path_params, event_types)
        if param.source is From.BODY:
            if body is not None:
                raise ConfigurationError(
                    f"{label}: a second body parameter (the body already goes to {body.name!r})"
                )
            body = param
        params.append(param)
    _check_path_params(where, name, path_params, params, [ann for _, ann in signature])
    return HttpPlan(fn, name, inspect.iscoroutinefunction(fn), tuple(params))


def _check_path_params(
    where: str, name: str, path_params: Sequence[str], params: list[HttpParam], anns: list[Any]
) -> None:
    """Refuse a handler that leaves a path parameter unread while one of its parameters, by
    its name not matched to it, became a required query parameter: every request would
    answer 422 for a query parameter the author meant to take from the path."""
    claimed = {p.key for p in params if p.source is From.PATH}
    unread = [n for n in path_params if n not in claimed]
    if not unread or any(p.source in (From.REQUEST, From.EVENT) for p in params):
        return  # all read, or read through the request
    guessed = [
        p
        for p, ann in zip(params, anns, strict=True)
        if p.source is From.QUERY
        and p.default is MISSING
        and typing.get_origin(ann) is not typing.Annotated  # not an explicit Query()
    ]
    if guessed:
        shown = ", ".join(repr(n) for n in unread)
        raise ConfigurationError(
            f"{where}: {name}, parameter {guessed[0].name!r} matches no path parameter and "
            f"would be a required query parameter, while the path parameter {shown} goes to "
            f"no parameter: rename it to {unread[0]!r} (or mark it Annotated[..., Query()], "
            "or give it a default, if it really is a query parameter)"
        )


def _resolve_one(
    p: inspect.Parameter,
    ann: Any,
    label: str,
    path_params: Sequence[str],
    event_types: tuple[type[Any], ...],
) -> HttpParam:
    default = p.default
    marker: Any = None
    if typing.get_origin(ann) is typing.Annotated:
        args = typing.get_args(ann)
        ann = args[0]
        marker = next((a for a in args[1:] if isinstance(a, Query | Header | Cookie | Body)), None)
    if ann is not MISSING and default is MISSING and _optional(ann):
        default = None
    if marker is None:
        if ann is MISSING:
            if p.name == "request":
                return HttpParam(p.name, From.REQUEST)
            if p.name == "context":
                return HttpParam(p.name, From.CONTEXT)
            if p.name in ("logger", "log"):
                return HttpParam(p.name, From.LOGGER)
            ann = str
        base = _strip_optional(ann)
        if isinstance(base, type) and issubclass(base, Request):
            return HttpParam(p.name, From.REQUEST)
        if is_context_type(base):
            return HttpParam(p.name, From.CONTEXT)
        if is_logger_type(base):
            return HttpParam(p.name, From.LOGGER)
        if isinstance(base, type) and issubclass(base, event_types):
            # another source's request gives None (so annotate ``RestRequest | None``)
            return HttpParam(
                p.name, From.EVENT, convert=lambda e: e if isinstance(e, base) else None
            )
        if p.name in path_params:
            if not is_scalar(ann):
                raise ConfigurationError(f"{label}: a path parameter must be a scalar, not {ann!r}")
            where = f"path parameter {p.name!r}"
            return HttpParam(p.name, From.PATH, p.name, _converter(ann, label), label=where)
        marker = Query() if is_scalar(ann) or _is_multi(ann) else Body()
    if isinstance(marker, Body):
        return HttpParam(
            p.name, From.BODY, "", _body_decoder(ann, label), default=default, label="body"
        )
    multi = _is_multi(ann)
    if not (multi or is_scalar(ann)):
        raise ConfigurationError(
            f"{label}: {type(marker).__name__} parameters must be scalars or lists of them"
        )
    if isinstance(marker, Header):
        key = (marker.alias or p.name.replace("_", "-")).lower()
        return HttpParam(
            p.name, From.HEADER, key, _converter(ann, label), multi, default, f"header {key!r}"
        )
    if isinstance(marker, Cookie):
        key = marker.alias or p.name
        return HttpParam(
            p.name, From.COOKIE, key, _converter(ann, label), False, default, f"cookie {key!r}"
        )
    key = marker.alias or p.name
    return HttpParam(
        p.name, From.QUERY, key, _converter(ann, label), multi, default, f"query parameter {key!r}"
    )


def _convert(param: HttpParam, value: Any) -> Any:
    convert = param.convert
    if convert is None:
        return value
    try:
        return convert(value)
    except _CONVERT_ERRORS as exc:
        raise _invalid(param.label, exc) from exc


def _invalid(label: str, exc: Exception) -> RequestValidationError:
    if isinstance(exc, FieldError):
        return RequestValidationError(label, exc.reason, exc.path)
    message = str(exc)
    path = "$"
    at = message.rfind(" - at `$")
    if at != -1:
        path = message[at + 7 : -1]
        message = message[:at]
    return RequestValidationError(label, message, path)


def _missing(param: HttpParam) -> Any:
    if param.default is MISSING:
        raise RequestValidationError(param.label, "required but missing")
    return param.default


def build_args(
    plan: HttpPlan, request: Request, event: Any, context: Any, log: Any
) -> dict[str, Any]:
    """The keyword arguments of one call (raises RequestValidationError -> 422)."""
    kw: dict[str, Any] = {}
    for param in plan.params:
        source = param.source
        if source is From.PATH:
            kw[param.name] = _convert(param, request.path_params[param.key])
        elif source is From.REQUEST:
            kw[param.name] = request
        elif source is From.BODY:
            payload = request.payload
            if not payload:
                kw[param.name] = _missing(param)
                continue
            assert param.convert is not None
            try:
                kw[param.name] = param.convert(payload)
            except _CONVERT_ERRORS as exc:
                raise _invalid("body", exc) from exc
        elif source is From.QUERY or source is From.HEADER:
            values: Mapping[str, str] = request.query if source is From.QUERY else request.headers
            if param.key not in values:
                kw[param.name] = _missing(param)
            elif param.multi and source is From.HEADER:
                # a list header: repeated headers, or one comma-joined value (RFC 9110
                # list syntax; HTTP API 2.0 and Function URLs join repeats this way)
                raw = values.get_all(param.key)  # type: ignore[attr-defined]
                items = [v.strip() for value in raw for v in value.split(",")]
                kw[param.name] = _convert(param, items)
            elif param.multi:
                kw[param.name] = _convert(param, values.get_all(param.key))  # type: ignore[attr-defined]
            else:
                kw[param.name] = _convert(param, values[param.key])
        elif source is From.COOKIE:
            cookies = request.cookies
            kw[param.name] = (
                _convert(param, cookies[param.key]) if param.key in cookies else _missing(param)
            )
        elif source is From.EVENT:
            assert param.convert is not None
            kw[param.name] = param.convert(event)
        elif source is From.CONTEXT:
            kw[param.name] = context
        else:
            kw[param.name] = log
    return kw
