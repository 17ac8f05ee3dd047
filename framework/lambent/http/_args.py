"""A call's arguments, built per request from a resolved plan (see :mod:`._params`).

:func:`build_args` reads the request's parts (raising :class:`RequestValidationError`,
a 422, when one does not convert); :func:`solve` adds the dependencies' values, running
each provider once per request, in a :class:`Scope` that also keeps the generators of
``yield`` providers, closed by :func:`close` once the response is built: with the
handler's exception thrown in when it failed, so ``try``/``except``/``finally`` in a
provider see what happened. A cleanup that raises is logged; the response stands.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import Any

import msgspec

from lambent._errors import describe
from lambent._logging import emit
from lambent._run import is_cancellation
from lambent.http._plan import MISSING, Dependency, From, HttpParam, HttpPlan
from lambent.http._request import Request
from lambent.http._response import RequestValidationError
from lambent.sources._base import FieldError

__all__ = ["Scope", "build_args", "close", "refused", "required", "solve", "solve_now"]

#: what converting a parameter or the body raises for a bad value (a 422)
ARG_ERRORS = (
    msgspec.ValidationError,
    msgspec.DecodeError,
    ValueError,
    TypeError,
    UnicodeError,
)


def _convert(param: HttpParam, value: Any) -> Any:
    convert = param.convert
    if convert is None:
        return value
    try:
        return convert(value)
    except ARG_ERRORS as exc:
        raise refused(param.label, exc) from exc


def refused(label: str, exc: BaseException) -> BaseException:
    """What building the arguments raises when converting the part ``label`` (a
    parameter's label, ``"body"``) raised ``exc``: a :class:`RequestValidationError` (a
    422, caused by ``exc``) for a value that does not convert (:data:`ARG_ERRORS`), else
    ``exc`` itself (the type's own failure: a ``__post_init__`` raising something else)."""
    if not isinstance(exc, ARG_ERRORS):
        return exc
    error = _invalid(label, exc)
    error.__cause__ = exc
    return error


def required(label: str) -> RequestValidationError:
    """The 422 of the part ``label``, required but absent."""
    return RequestValidationError(label, "required but missing")


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
        raise required(param.label)
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
            except ARG_ERRORS as exc:
                raise refused(param.label, exc) from exc
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
        elif source is From.LOGGER:
            kw[param.name] = log
        elif source is From.METRICS and param.convert is not None:
            kw[param.name] = param.convert(None)
        # DEPENDS: filled in by ``_depends.solve``
    return kw


Override = Callable[[Dependency], Dependency]


class Scope:
    """One request's dependency values (each provider once) and open generators."""

    __slots__ = ("cache", "error", "exits", "override")

    def __init__(self, override: Override | None = None) -> None:
        self.cache: dict[Callable[..., Any], Any] = {}
        self.exits: list[tuple[Dependency, Generator[Any] | AsyncGenerator[Any]]] = []
        #: what the handler raised (thrown into the generators at cleanup)
        self.error: BaseException | None = None
        #: the dependency to run instead of a provider (test overrides), or None
        self.override = override


def solve_now(
    plan: HttpPlan,
    kw: dict[str, Any],
    request: Request,
    event: Any,
    context: Any,
    log: Any,
    scope: Scope,
) -> None:
    """Add the values of ``plan``'s dependencies to ``kw`` when none of them, at any depth,
    is async (``plan.async_deps`` is false) and no provider is overridden."""
    for param in plan.params:
        dep = param.dep
        if dep is not None:
            kw[param.name] = _value_now(dep, request, event, context, log, scope)


async def solve(
    plan: HttpPlan,
    kw: dict[str, Any],
    request: Request,
    event: Any,
    context: Any,
    log: Any,
    scope: Scope,
) -> None:
    """Add the values of ``plan``'s dependencies to ``kw`` (any of them may be async)."""
    for param in plan.params:
        dep = param.dep
        if dep is None:
            continue
        if dep.mode in _SYNC and not dep.plan.async_deps and scope.override is None:
            kw[param.name] = _value_now(dep, request, event, context, log, scope)
        else:
            kw[param.name] = await _value(dep, request, event, context, log, scope)


_SYNC = ("call", "gen")
_MISSING: Any = object()


def _value_now(
    dep: Dependency, request: Request, event: Any, context: Any, log: Any, scope: Scope
) -> Any:
    key = dep.provider
    value = scope.cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    plan = dep.plan
    kw = build_args(plan, request, event, context, log)
    if plan.has_deps:
        solve_now(plan, kw, request, event, context, log, scope)
    value = scope.cache[key] = _enter(dep, kw, scope)
    return value


async def _value(
    dep: Dependency, request: Request, event: Any, context: Any, log: Any, scope: Scope
) -> Any:
    key = dep.provider
    value = scope.cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    if scope.override is not None:
        dep = scope.override(dep)
    plan = dep.plan
    kw = build_args(plan, request, event, context, log)
    if plan.has_deps:
        await solve(plan, kw, request, event, context, log, scope)
    mode = dep.mode
    if mode == "async":
        value = await plan.fn(**kw)
    elif mode == "agen":
        agen: AsyncGenerator[Any] = plan.fn(**kw)
        try:
            value = await agen.__anext__()
        except StopAsyncIteration:
            raise RuntimeError(f"dependency {plan.name} returned without yielding") from None
        scope.exits.append((dep, agen))
    else:
        value = _enter(dep, kw, scope)
    scope.cache[key] = value
    return value


def _enter(dep: Dependency, kw: dict[str, Any], scope: Scope) -> Any:
    """Run a plain provider, or a generator one to its ``yield``."""
    if dep.mode == "call":
        return dep.plan.fn(**kw)
    gen: Generator[Any] = dep.plan.fn(**kw)
    try:
        value = next(gen)
    except StopIteration:
        raise RuntimeError(f"dependency {dep.plan.name} returned without yielding") from None
    scope.exits.append((dep, gen))
    return value


async def close(scope: Scope, log: Any) -> None:
    """Run the code after each ``yield``, the last opened first."""
    error = scope.error
    exits = scope.exits
    while exits:
        dep, gen = exits.pop()
        try:
            if isinstance(gen, Generator):
                if error is None:
                    next(gen)
                else:
                    gen.throw(error)
            elif error is None:
                await gen.__anext__()
            else:
                await gen.athrow(error)
        except (StopIteration, StopAsyncIteration):
            continue
        except BaseException as exc:
            if exc is error:
                continue
            if is_cancellation(exc):  # the running task's: it propagates
                raise
            # anything else, KeyboardInterrupt or SystemExit too, is that cleanup's failure
            emit(
                log.error,
                "dependency cleanup failed",
                dependency=dep.plan.name,
                error=describe(exc),
                exc_info=exc,
            )
            continue
        emit(log.error, "dependency yielded more than once", dependency=dep.plan.name)
        if isinstance(gen, Generator):
            gen.close()
        else:
            await gen.aclose()
