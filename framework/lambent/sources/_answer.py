"""Helpers for sources that build their own answer (``SourceSpec.answer``): failures and
results made safe to send, whatever a handler raised or returned."""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import msgspec

from lambent._errors import ConfigurationError, HandlerError, describe, printable
from lambent._pydantic import model_value

__all__ = [
    "describe",
    "handler_name",
    "item_parameters",
    "json_text",
    "json_value",
    "object_payload",
    "own_error",
    "printable",
]


def handler_name(kind: str, filters: Mapping[str, Any]) -> str:
    """How messages name the route that ran an item: ``cognito route (trigger='X')``."""
    shown = ", ".join(f"{k}={v!r}" for k, v in filters.items())
    return f"{kind} route" + (f" ({shown})" if shown else "")


def own_error(error: BaseException, handler: str) -> Exception:
    """What an answer raises for a failed single item: the handler's own ``Exception`` as
    it is (Lambda reports it, the service shows its message); a ``BaseException`` that is
    not one (``SystemExit``, ...) as a :class:`HandlerError` naming the handler."""
    if isinstance(error, Exception):
        return error
    wrapped = HandlerError(handler, f"raised {describe(error)}")
    wrapped.__cause__ = error
    return wrapped


def _strict(value: Any) -> str:
    """``value`` (builtins) as JSON text that every reader accepts: a ``ValueError`` for a
    float that JSON has no number for (NaN, infinity: msgspec would send ``null``, the
    standard library's ``NaN`` token, which the services reject) and for a lone
    surrogate (no UTF-8 text holds it: the whole response would fail to be sent)."""
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    text.encode()  # a UnicodeEncodeError (a ValueError) for a lone surrogate
    return text


def json_value(value: Any, handler: str) -> Any:
    """A handler's result as JSON-ready builtins (a pydantic model as its JSON), or a
    :class:`HandlerError` naming the handler when it cannot be sent (not JSON, NaN or
    infinity, a lone surrogate)."""
    try:
        built = msgspec.to_builtins(value, enc_hook=model_value)
        _strict(built)
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise HandlerError(
            handler, f"returned a value that cannot be sent as JSON: {describe(exc)}"
        ) from exc
    return built


def json_text(value: Any, handler: str) -> str:
    """A handler's result as the text a service shows: a string as it is, anything else
    as JSON; a :class:`HandlerError` as :func:`json_value` says (a string with a lone
    surrogate included)."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise HandlerError(
                handler, f"returned text that cannot be sent: {describe(exc)}"
            ) from exc
        return value
    built = json_value(value, handler)
    return msgspec.json.encode(built).decode()


def _takes_object(info: Any) -> bool:
    """Whether a type (as ``msgspec.inspect`` describes it) can be decoded from an object."""
    from msgspec import inspect as types

    if isinstance(info, types.Metadata):
        return _takes_object(info.type)
    if isinstance(info, types.UnionType):
        return any(_takes_object(member) for member in info.types)
    if isinstance(info, types.StructType):
        return not info.array_like
    # a dataclass stands for attrs classes too; a custom type (a pydantic model) is its own
    objects = (types.AnyType, types.DictType, types.TypedDictType, types.DataclassType)
    return isinstance(info, (*objects, types.CustomType))


def object_payload(
    what: str, named: Collection[str] = ()
) -> Callable[[str, Any, Mapping[str, Any]], None]:
    """A route check (``SourceSpec.check_route``) for a source whose payload is always a
    JSON object (``what``: which one): a payload type that never decodes from an object
    (``str``, ``int``, ``list[str]``, an array-like Struct) is refused when the decorator
    runs, instead of failing every event; so are the source's ``named`` values that are
    objects too (DynamoDB's ``old``/``new`` images)."""

    def check(where: str, plan: Any, filters: Mapping[str, Any]) -> None:
        images = [p for p in plan.params if p.name in named and p.getter is not None]
        for param in [plan.payload, *images] if plan.payload is not None else images:
            _check_object(where, plan, param, what)

    return check


def _check_object(where: str, plan: Any, param: Any, what: str) -> None:
    if param.annotation is None:
        return
    from msgspec import inspect as types

    try:
        info = types.type_info(param.annotation)
    except (TypeError, ValueError):  # a type msgspec does not describe: left to it
        return
    if not _takes_object(info):
        shown = getattr(param.annotation, "__name__", None) or repr(param.annotation)
        raise ConfigurationError(
            f"{where}: {plan.name}, parameter {param.name!r}: the payload is {what}, "
            f"a JSON object, which never decodes into {shown}; annotate it with a "
            "Struct, a dataclass, a TypedDict or dict[str, Any]"
        )


def _members(annotation: Any) -> list[type[Any]]:
    """The classes an annotation names (a union's members; ``Annotated`` looked through)."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    members = typing.get_args(annotation) if typing.get_origin(annotation) else (annotation,)
    return [m for m in members if isinstance(m, type)]


def item_parameters(where: str, plan: Any, arriving: Sequence[type[Any]], hint: str) -> None:
    """Refuse a handler parameter declared as one of the source's item types that does not
    take every type of item the route receives (``arriving``): those items would reach it
    anyway and fail on a missing attribute. ``hint`` says what to declare instead."""
    from lambent._inject import Slot, hints

    declared = hints(plan.fn)
    for param in plan.params:
        annotation = declared.get(param.name)
        if param.slot is not Slot.ITEM or annotation is None:
            continue
        types = _members(annotation)
        missing = [t for t in arriving if not any(issubclass(t, m) for m in types)]
        if missing:
            names = ", ".join(t.__name__ for t in missing)
            raise ConfigurationError(
                f"{where}: {plan.name}, parameter {param.name!r} does not take {names}, "
                f"which this route receives: {hint}"
            )
