"""Handler signatures, resolved once when a decorator runs: the one resolver.

Every kind of route is resolved by one walk over its handler's signature,
:func:`resolve_params`. The walk reads the signature once (:func:`signature_params`),
takes the parameters a :class:`Provider` fills in (on every kind of route), finds
``Depends`` markers, and recognises the slots every kind shares (the Lambda context, a
logger, the app's ``Metrics``: :func:`shared_slot`); each kind's :class:`Rules` decide
the rest and build its parameters:

* records, events, direct invocations and WebSocket messages: :mod:`lambent._record_params`
  (a :class:`HandlerPlan` of slots: the item, the event, the decoded payload, ...);
* handlers fed from one event by getters (authorizers, Lambda@Edge): :mod:`lambent.http._named`;
* HTTP routes and their ``Depends`` providers: :mod:`lambent.http._params` (an ``HttpPlan``).

Nothing is inspected per record or request: :mod:`lambent._calls` and the HTTP argument
builders read the plans.
"""

from __future__ import annotations

import enum
import functools
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, NoReturn, Protocol, TypeVar, runtime_checkable

from lambent._context import LambdaContext
from lambent._decode import Decoder
from lambent._errors import ConfigurationError
from lambent._logging import Logger


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


def misplaced_marker(label: str, p: inspect.Parameter, ann: Any, marker: object) -> NoReturn:
    """Raise :class:`ConfigurationError` for a marker written as ``p``'s default (the
    ``name: T = Depends(provider)`` of other frameworks), which lambent does not read
    there: the parameter would get the marker object itself."""
    shown = (
        f"Depends({getattr(marker.provider, '__name__', 'provider')})"
        if isinstance(marker, Depends)
        else repr(marker)
    )
    kind = "T" if ann is inspect.Parameter.empty else getattr(ann, "__name__", repr(ann))
    raise ConfigurationError(
        f"{label}: a {type(marker).__name__}() marker goes in the annotation, not the "
        f"default (the parameter would get the marker itself): write "
        f"`{p.name}: Annotated[{kind}, {shown}]`"
    )


def _depends_marker(ann: Any) -> Depends | None:
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
    ``await provider.provide()`` on every call of the handler, on every kind of route
    (HTTP ``Depends`` providers included). The provider keeps whatever it needs (a
    client made once per container) and returns it quickly. Only ``async def``
    handlers may declare provided parameters.
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
    while isinstance(fn, functools.partial):  # named as its function
        fn = fn.func
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}.{getattr(fn, '__qualname__', repr(fn))}"


def as_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """What lambent calls for ``fn``: an instance of a class with a ``__call__`` method is
    that method, bound (its signature, and whether it is ``async``, are the method's);
    anything else is itself."""
    if inspect.isroutine(fn) or isinstance(fn, type | functools.partial):
        return fn
    call = inspect.getattr_static(type(fn), "__call__", None)
    return types.MethodType(call, fn) if inspect.isfunction(call) else fn


def hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations (``Annotated`` extras kept), closure variables included; a
    ``functools.partial``'s are its function's."""
    while isinstance(fn, functools.partial):
        fn = fn.func
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
    (``inspect.Parameter.empty`` when absent); ``*args``/``**kwargs`` are left out (a
    signature of nothing else is refused: lambent would pass nothing) and positional-only
    parameters refused. Shared by every kind of route."""
    if not callable(fn):
        raise ConfigurationError(f"{where}: {fn!r} is not callable")
    name = qualname(fn)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{where}: cannot read the signature of {name}: {exc}") from None
    annotations = hints(fn)
    given = _partial_keywords(fn)
    out: list[tuple[inspect.Parameter, Any]] = []
    variadic = False
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            variadic = True
            continue
        if p.name in given:
            continue
        if p.kind is p.POSITIONAL_ONLY:
            raise ConfigurationError(f"{where}: {name}: positional-only parameter {p.name!r}")
        out.append((p, annotations.get(p.name, inspect.Parameter.empty)))
    if variadic and not out and not given:
        raise ConfigurationError(
            f"{where}: {name} takes only *args/**kwargs, so lambent would pass it nothing: "
            "declare the parameters it needs by name (a decorator wrapping a handler should "
            "use functools.wraps, so the handler's own signature shows)"
        )
    return name, out


def _partial_keywords(fn: Any) -> frozenset[str]:
    """The parameters a ``functools.partial`` (or partials of one) fills by keyword: not
    lambent's to pass."""
    given: set[str] = set()
    while isinstance(fn, functools.partial):
        given.update(fn.keywords)
        fn = fn.func
    return frozenset(given)


def _is_context_type(ann: Any) -> bool:
    return ann is LambdaContext or getattr(ann, "__name__", None) == "LambdaContext"


def _is_metrics_type(ann: Any) -> bool:
    """``lambent.metrics.Metrics`` (compared by name: the module is not imported here)."""
    return (
        getattr(ann, "__module__", None) == "lambent.metrics"
        and getattr(ann, "__name__", None) == "Metrics"
    )


def _is_logger_type(ann: Any) -> bool:
    if ann is Logger:
        return True
    module = getattr(ann, "__module__", "") or ""
    return module == "structlog" or module.startswith("structlog.")


_LOGGER_NAMES = ("logger", "log")


def shared_slot(name: str, ann: Any) -> Slot | None:
    """The slot every kind of route fills alike, for a parameter ``name: ann`` (``ann``
    is ``inspect.Parameter.empty`` when absent): ``Slot.CONTEXT`` (a ``LambdaContext``,
    or an unannotated ``context``), ``Slot.LOGGER`` (a lambent or structlog logger, or an
    unannotated ``logger``/``log``), ``Slot.METRICS`` (``lambent.metrics.Metrics``);
    ``X | None`` is ``X``. ``None``: the route kind decides."""
    if ann is inspect.Parameter.empty:
        return Slot.CONTEXT if name == "context" else Slot.LOGGER if name in _LOGGER_NAMES else None
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(rest) != 1:
            return None
        ann = rest[0]
    if _is_context_type(ann):
        return Slot.CONTEXT
    if _is_logger_type(ann):
        return Slot.LOGGER
    return Slot.METRICS if _is_metrics_type(ann) else None


P_co = TypeVar("P_co", covariant=True)


class Rules(Protocol[P_co]):
    """What one kind of route makes of its handlers' parameters.

    :func:`resolve_params` calls one method per parameter, in the signature's order, with
    the parameter as it will be passed (``p.kind`` is ``KEYWORD_ONLY`` when the signature
    says so or when it follows a provided parameter), its resolved annotation (``Annotated``
    extras kept; ``inspect.Parameter.empty`` when absent) and its ``label`` for errors
    (``"<where>: <handler>, parameter '<name>'"``). A rules object may keep state across
    one handler's parameters (a second payload or body is an error)."""

    def shared(self, p: inspect.Parameter, slot: Slot, ann: Any) -> P_co:
        """A parameter of a shared slot (see :func:`shared_slot`)."""
        ...

    def depends(self, p: inspect.Parameter, ann: Any, marker: Depends, label: str) -> P_co:
        """An ``Annotated[T, Depends(provider)]`` parameter (raise where there are none)."""
        ...

    def param(self, p: inspect.Parameter, ann: Any, label: str) -> P_co | None:
        """Any other parameter; ``None`` leaves it out (its default is used)."""
        ...


P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Resolved(Generic[P]):
    """A handler's parameters as one kind's :class:`Rules` made them."""

    #: the handler; with provided parameters, a wrapper filling them in by keyword
    fn: Callable[..., Any]
    name: str
    is_async: bool
    params: tuple[P, ...]


def resolve_params(fn: Callable[..., Any], where: str, rules: Rules[P]) -> Resolved[P]:
    """Walk ``fn``'s signature once (``where`` names the route in errors): provided
    parameters, ``Depends`` markers and shared slots here, the rest by ``rules``."""
    fn = as_function(fn)
    name, signature = signature_params(fn, where)
    params: list[P] = []
    provided: list[tuple[str, Provider]] = []
    for p, ann in signature:
        provider = _provider_of(ann)
        if provider is not None:
            provided.append((p.name, provider))
            continue
        if provided and p.kind is not p.KEYWORD_ONLY:  # after a provided one: by keyword
            p = p.replace(kind=p.KEYWORD_ONLY)
        label = f"{where}: {name}, parameter {p.name!r}"
        marker = _depends_marker(ann)
        if isinstance(p.default, Depends):
            misplaced_marker(label, p, ann, p.default)
        slot = shared_slot(p.name, ann) if marker is None else None
        param: P | None
        if marker is not None:
            param = rules.depends(p, ann, marker, label)
        elif slot is not None:
            param = rules.shared(p, slot, ann)
        else:
            param = rules.param(p, ann, label)
        if param is not None:
            params.append(param)
    is_async = inspect.iscoroutinefunction(fn)
    wrapped = _with_providers(fn, provided, where) if provided else fn
    return Resolved(wrapped, name, is_async, tuple(params))


class SlotRules:
    """What the rules of the kinds resolved into a :class:`HandlerPlan` share: a shared
    slot is a slot parameter, ``Depends`` is refused naming what could be declared
    instead (:meth:`takes`), and the plan is made from what the walk gave."""

    #: every parameter passed by keyword (else: as the signature says)
    by_keyword = False

    def takes(self) -> str:
        """What a handler of this kind can declare, for errors."""
        raise NotImplementedError

    def shared(self, p: inspect.Parameter, slot: Slot, ann: Any) -> Param:
        keyword = self.by_keyword or p.kind is p.KEYWORD_ONLY
        return Param(
            p.name, slot, annotation=ann if slot is Slot.METRICS else None, kw_only=keyword
        )

    def depends(self, p: inspect.Parameter, ann: Any, marker: Depends, label: str) -> Param:
        raise ConfigurationError(f"{label}: Depends() is available on HTTP routes; {self.takes()}")

    @staticmethod
    def plan(found: Resolved[Param], payload: Param | None = None) -> HandlerPlan:
        if inspect.isgeneratorfunction(found.fn) or inspect.isasyncgenfunction(found.fn):
            # called, it would return a generator and run none of its body
            raise ConfigurationError(
                f"{found.name} is a generator function: its body would never run; a "
                "handler of this kind returns its result (only HTTP routes stream)"
            )
        wants = frozenset(p.slot for p in found.params)
        return HandlerPlan(found.fn, found.name, found.is_async, found.params, payload, wants)
