"""Handlers whose parameters all come from one event by getters (authorizers, edge).

Resolved once at registration into the same plan record routes use
(:class:`~lambent._inject.HandlerPlan`, ``Slot.NAMED`` parameters), so that one argument
builder (:func:`lambent._calls.make_call`) serves them too; see :func:`resolve_named`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from lambent._errors import ConfigurationError
from lambent._inject import (
    HandlerPlan,
    Param,
    Slot,
    is_context_type,
    is_logger_type,
    is_metrics_type,
    signature_params,
)
from lambent.http._invoke import run_plan

__all__ = ["resolve_named", "run_named"]

MISSING: Any = inspect.Parameter.empty


def _same(value: Any) -> Any:
    return value


def resolve_named(
    fn: Callable[..., Any],
    *,
    where: str,
    by_type: Mapping[type[Any], Callable[[Any], Any]],
    by_name: Mapping[str, Callable[[Any], Any]],
) -> HandlerPlan:
    """Resolve a handler whose parameters are all taken from one event by getters.

    ``by_type``: annotation class -> getter (subclasses match); ``by_name``: parameter
    name -> getter, for unannotated parameters or ones no type claims. Context, logger
    and ``Metrics`` parameters work as everywhere.
    """
    name, signature = signature_params(fn, where)
    params: list[Param] = []
    for p, ann in signature:
        getter = next(
            (g for tp, g in by_type.items() if isinstance(ann, type) and issubclass(ann, tp)), None
        )
        if getter is not None:
            params.append(Param(p.name, Slot.NAMED, decoder=_same, getter=getter, kw_only=True))
        elif is_context_type(ann) or (ann is MISSING and p.name == "context"):
            params.append(Param(p.name, Slot.CONTEXT, kw_only=True))
        elif is_logger_type(ann) or (ann is MISSING and p.name in ("logger", "log")):
            params.append(Param(p.name, Slot.LOGGER, kw_only=True))
        elif is_metrics_type(ann):  # the app's (``lambent._calls``: of the invocation)
            params.append(Param(p.name, Slot.METRICS, annotation=ann, kw_only=True))
        elif p.name in by_name:
            named = by_name[p.name]
            params.append(Param(p.name, Slot.NAMED, decoder=_same, getter=named, kw_only=True))
        elif p.default is not MISSING:
            continue
        else:
            known = ", ".join([*(t.__name__ for t in by_type), *by_name])
            raise ConfigurationError(
                f"{where}: {name}, parameter {p.name!r}: cannot inject it; "
                f"annotate it with one of {known}, the Lambda context or a logger"
            )
    return HandlerPlan(
        fn,
        name,
        inspect.iscoroutinefunction(fn),
        tuple(params),
        wants=frozenset(p.slot for p in params),
    )


async def run_named(
    plan: HandlerPlan, item: Any, context: Any, log: Any, threaded: bool, seconds: float | None
) -> Any:
    """Run a handler resolved by :func:`resolve_named` for ``item`` (the logger is offered
    to it by type; no source payload), under the deadline."""
    return await run_plan(
        plan,
        item,
        spec=None,
        context=context,
        log=log,
        threaded=threaded,
        seconds=seconds,
        extra={Slot.LOGGER: log},
    )
