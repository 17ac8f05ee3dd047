"""Handler signatures, resolved once when a decorator runs.

A handler declares what it needs by annotation. :func:`resolve` turns its
signature into a :class:`HandlerPlan`: for every parameter, which *slot* feeds it
(the item, the whole event, the decoded payload, the Lambda context, a bound
logger, ...), plus one reusable payload decoder. Nothing is inspected per record.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import msgspec

from lambent._context import LambdaContext
from lambent._decode import Decoder, build_decoder
from lambent._errors import ConfigurationError
from lambent._logging import Logger
from lambent.sources._base import PayloadFormat


class Slot(enum.Enum):
    """Where a parameter's value comes from."""

    ITEM = "item"  # the record / event Struct of the source
    EVENT = "event"  # the whole event Struct
    ITEMS = "items"  # the whole batch, a list of item Structs
    PAYLOAD = "payload"  # the item's payload decoded into the declared type
    NAMED = "named"  # a source-specific named value (e.g. DynamoDB ``old_image``)
    CONTEXT = "context"  # the Lambda context
    LOGGER = "logger"  # a logger bound to the invocation and the record
    STATE = "state"  # tumbling-window state
    METRICS = "metrics"  # the app's lambent.metrics.Metrics (``getter`` returns it)


@dataclass(frozen=True, slots=True)
class Depends:
    """``Annotated[T, Depends(provider)]``: the parameter gets ``provider``'s value.

    ``provider`` declares its own parameters as a handler of the same route would (the
    request, path, query, header and cookie parameters, the body, the Lambda context, a
    logger, other dependencies); it may be ``async``, and a generator (``yield`` once)
    runs the code after its ``yield`` once the response is built, also when the handler
    failed. Within one request a provider runs once, however many parameters ask for it.
    Resolved when the route is registered, like everything else a handler declares.
    """

    provider: Callable[..., Any]


def depends_marker(ann: Any) -> Depends | None:
    """The :class:`Depends` of an ``Annotated`` annotation, if it has one."""
    if typing.get_origin(ann) is not typing.Annotated:
        return None
    return next((a for a in typing.get_args(ann)[1:] if isinstance(a, Depends)), None)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    slot: Slot
    decoder: Decoder | None = None
    #: for NAMED: reads the raw value from the item
    getter: Callable[[Any], Any] | None = None
    annotation: Any = None
    #: keyword-only in the handler's signature (others are passed by position)
    kw_only: bool = False


@dataclass(frozen=True, slots=True)
class HandlerPlan:
    """A handler with its resolved parameters."""

    fn: Callable[..., Any]
    name: str
    is_async: bool
    params: tuple[Param, ...]
    payload: Param | None = None
    wants: frozenset[Slot] = field(default_factory=frozenset)

    def describe(self) -> str:
        inner = ", ".join(f"{p.name}: {p.slot.value}" for p in self.params)
        return f"{self.name}({inner})"


@runtime_checkable
class Provider(Protocol):
    """A parameter's value supplied when the handler runs, declared by annotation.

    The seam for values that are neither in the event nor in the context, such as
    the warm aiobotocore clients of :mod:`lambent.aws`: a parameter annotated
    ``Annotated[T, provider]`` (``provider`` implements this protocol) gets
    ``await provider.provide()`` on every call of the handler. The provider keeps
    whatever it needs (a client made once per container) and returns it quickly.
    Only ``async def`` handlers may declare provided parameters.
    """

    async def provide(self) -> Any: ...


def _provider_of(ann: Any) -> Provider | None:
    if typing.get_origin(ann) is typing.Annotated:
        for extra in ann.__metadata__:
            if isinstance(extra, Provider):
                return extra
    return None


def _with_providers(
    fn: Callable[..., Any], provided: Sequence[tuple[str, Provider]], where: str
) -> Callable[..., Any]:
    """``fn`` with its provided parameters filled in by keyword on every call."""
    if not inspect.iscoroutinefunction(fn):
        raise ConfigurationError(
            f"{where}: {qualname(fn)}: parameters {', '.join(n for n, _ in provided)} "
            "are provided asynchronously; make the handler `async def`"
        )

    @functools.wraps(fn)
    async def call(*args: Any, **kwargs: Any) -> Any:
        for name, provider in provided:
            kwargs[name] = await provider.provide()
        return await fn(*args, **kwargs)

    return call


def qualname(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}.{getattr(fn, '__qualname__', repr(fn))}"


def hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations (``Annotated`` extras kept), closure variables included."""
    localns: dict[str, Any] = {}
    code = getattr(fn, "__code__", None)
    closure = getattr(fn, "__closure__", None)
    if code is not None and closure:
        for var, cell in zip(code.co_freevars, closure, strict=False):
            try:
                localns[var] = cell.cell_contents
            except ValueError:
                continue
    try:
        return typing.get_type_hints(fn, localns=localns or None, include_extras=True)
    except NameError as exc:
        raise ConfigurationError(
            f"{qualname(fn)}: cannot resolve the annotation {exc.name!r}; "
            "define the types handlers use at module level"
        ) from None


def signature_params(
    fn: Callable[..., Any], where: str
) -> tuple[str, list[tuple[inspect.Parameter, Any]]]:
    """A handler's qualified name and its parameters with resolved annotations
    (``inspect.Parameter.empty`` when absent); ``*args``/``**kwargs`` are left out and
    positional-only parameters refused. Shared by every kind of route."""
    if not callable(fn):
        raise ConfigurationError(f"{where}: {fn!r} is not callable")
    name = qualname(fn)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{where}: cannot read the signature of {name}: {exc}") from None
    annotations = hints(fn)
    out: list[tuple[inspect.Parameter, Any]] = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind is p.POSITIONAL_ONLY:
            raise ConfigurationError(f"{where}: {name}: positional-only parameter {p.name!r}")
        out.append((p, annotations.get(p.name, inspect.Parameter.empty)))
    return name, out


def is_context_type(ann: Any) -> bool:
    return ann is LambdaContext or getattr(ann, "__name__", None) == "LambdaContext"


def is_metrics_type(ann: Any) -> bool:
    """``lambent.metrics.Metrics`` (compared by name: the module is not imported here)."""
    return (
        getattr(ann, "__module__", None) == "lambent.metrics"
        and getattr(ann, "__name__", None) == "Metrics"
    )


def is_logger_type(ann: Any) -> bool:
    if ann is Logger:
        return True
    module = getattr(ann, "__module__", "") or ""
    return module == "structlog" or module.startswith("structlog.")


Types = type[Any] | tuple[type[Any], ...] | None


def _is_type(ann: Any, tp: Types) -> bool:
    """``ann`` names the type ``tp`` (or one of them), a subclass, a Struct base of it,
    or a union of such types (``ActiveMQMessage | RabbitMQMessage``)."""
    if tp is None:
        return False
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(ann) if a is not type(None)]
        return bool(members) and all(_is_type(a, tp) for a in members)
    # types only: an array source's event type is a generic alias (``list[Item]``)
    bases = tuple(t for t in (tp if isinstance(tp, tuple) else (tp,)) if isinstance(t, type))
    if not isinstance(ann, type) or not bases:
        return False
    if issubclass(ann, bases):
        return True
    return (
        issubclass(ann, msgspec.Struct)
        and ann is not msgspec.Struct
        and any(issubclass(t, ann) for t in bases)
    )


def _injectable(item_type: Types, event_type: Types, payload: bool) -> str:
    """What a route's handler parameters may be annotated with, for error messages."""
    names: list[str] = []
    for tp in (item_type, event_type):
        for t in tp if isinstance(tp, tuple) else (tp,) if tp is not None else ():
            if t.__name__ not in names:
                names.append(t.__name__)
    choices = (["the payload's type"] if payload else []) + names + ["LambdaContext", "Logger"]
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def _is_sequence_of(ann: Any, item_type: Types) -> bool:
    if item_type is None:
        return False
    origin = typing.get_origin(ann)
    if origin not in (list, Sequence, tuple):
        return False
    args = typing.get_args(ann)
    return bool(args) and _is_type(args[0], item_type)


def resolve(
    fn: Callable[..., Any],
    *,
    where: str,
    item_type: Types,
    event_type: Types,
    payload_format: PayloadFormat = "json",
    allow_payload: bool = True,
    allow_items: bool = False,
    named: Mapping[str, Callable[[Any], Any]] | None = None,
    named_format: PayloadFormat = "python",
    state: bool = False,
) -> HandlerPlan:
    """Resolve ``fn``'s parameters for a route (``where`` names it in errors)."""
    name, signature = signature_params(fn, where)
    params: list[Param] = []
    payload: Param | None = None
    bare: set[str] = set()  # unannotated parameters taken as the payload
    provided: list[tuple[str, Provider]] = []
    for p, ann in signature:
        provider = _provider_of(ann)
        if provider is not None:
            provided.append((p.name, provider))
            continue
        label = f"{where}: {name}, parameter {p.name!r}"
        param: Param
        if depends_marker(ann) is not None:
            raise ConfigurationError(
                f"{label}: Depends() is available on HTTP routes; a record handler "
                "declares its payload, its record, the context and a logger"
            )
        if ann is inspect.Parameter.empty:
            if p.name == "context":
                param = Param(p.name, Slot.CONTEXT)
            elif p.name in ("logger", "log"):
                param = Param(p.name, Slot.LOGGER)
            elif state and p.name == "state":
                param = Param(p.name, Slot.STATE)
            elif allow_items and p.name in ("records", "batch"):
                param = Param(p.name, Slot.ITEMS)
            elif named and p.name in named:
                dec = build_decoder(Any, named_format, label)
                param = Param(p.name, Slot.NAMED, dec, named[p.name])
            else:
                ann = Any
                bare.add(p.name)
                param = Param(p.name, Slot.PAYLOAD, annotation=Any)
        elif is_context_type(ann):
            param = Param(p.name, Slot.CONTEXT)
        elif is_logger_type(ann):
            param = Param(p.name, Slot.LOGGER)
        elif is_metrics_type(ann):
            param = Param(p.name, Slot.METRICS, annotation=ann)
        elif _is_type(ann, item_type):
            param = Param(p.name, Slot.ITEM)
        elif _is_type(ann, event_type):
            param = Param(p.name, Slot.EVENT)
        elif _is_sequence_of(ann, item_type):
            if not allow_items:
                raise ConfigurationError(f"{label}: a whole-batch parameter is not allowed here")
            param = Param(p.name, Slot.ITEMS)
        elif state and p.name == "state":
            param = Param(p.name, Slot.STATE, annotation=ann)
        elif named and p.name in named:
            dec = build_decoder(ann, named_format, label)
            param = Param(p.name, Slot.NAMED, dec, named[p.name], ann)
        else:
            param = Param(p.name, Slot.PAYLOAD, annotation=ann)
        if param.slot is Slot.PAYLOAD:
            missing = p.name if p.name in bare else None
            if payload is not None and missing is None and payload.name in bare:
                missing = payload.name
            if missing is not None and (payload is not None or not allow_payload):
                raise ConfigurationError(
                    f"{where}: {name}, parameter {missing!r} has no annotation, so lambent "
                    f"cannot tell what to pass: annotate it with "
                    f"{_injectable(item_type, event_type, allow_payload)}"
                )
            if not allow_payload:
                raise ConfigurationError(
                    f"{label}: unknown annotation {ann!r}; this route can inject "
                    "its source's Structs, the Lambda context and a logger"
                )
            if payload is not None:
                raise ConfigurationError(
                    f"{label}: a second payload parameter (the payload already goes to "
                    f"{payload.name!r}); annotate it with a type lambent injects"
                )
            param = Param(
                p.name, Slot.PAYLOAD, build_decoder(ann, payload_format, label), None, ann
            )
            payload = param
        if p.kind is p.KEYWORD_ONLY or provided:  # after a provided one: by keyword
            param = dataclasses.replace(param, kw_only=True)
        params.append(param)
    slots = frozenset(p.slot for p in params)
    if Slot.ITEMS in slots and (Slot.ITEM in slots or Slot.PAYLOAD in slots):
        raise ConfigurationError(
            f"{where}: {name} takes the whole batch and a single record; choose one"
        )
    return HandlerPlan(
        fn=_with_providers(fn, provided, where) if provided else fn,
        name=name,
        is_async=inspect.iscoroutinefunction(fn),
        params=tuple(params),
        payload=payload,
        wants=slots,
    )
