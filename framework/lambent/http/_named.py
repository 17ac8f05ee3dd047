"""Handlers whose parameters all come from one event by getters (authorizers, edge).

Resolved once at registration like HTTP handlers; see :func:`resolve_named`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from lambent._errors import ConfigurationError
from lambent._inject import is_context_type, is_logger_type, signature_params
from lambent.http._params import MISSING, From, HttpParam, HttpPlan

__all__ = ["build_named_args", "resolve_named"]


def resolve_named(
    fn: Callable[..., Any],
    *,
    where: str,
    by_type: Mapping[type[Any], Callable[[Any], Any]],
    by_name: Mapping[str, Callable[[Any], Any]],
) -> HttpPlan:
    """Resolve a handler whose parameters are all taken from one event by getters.

    ``by_type``: annotation class -> getter (subclasses match); ``by_name``: parameter
    name -> getter, for unannotated parameters or ones no type claims. Context and
    logger parameters work as everywhere.
    """
    name, signature = signature_params(fn, where)
    params: list[HttpParam] = []
    for p, ann in signature:
        getter = next(
            (g for tp, g in by_type.items() if isinstance(ann, type) and issubclass(ann, tp)), None
        )
        if getter is not None:
            params.append(HttpParam(p.name, From.NAMED, convert=getter))
        elif is_context_type(ann) or (ann is MISSING and p.name == "context"):
            params.append(HttpParam(p.name, From.CONTEXT))
        elif is_logger_type(ann) or (ann is MISSING and p.name in ("logger", "log")):
            params.append(HttpParam(p.name, From.LOGGER))
        elif p.name in by_name:
            params.append(HttpParam(p.name, From.NAMED, convert=by_name[p.name]))
        elif p.default is not MISSING:
            continue
        else:
            known = ", ".join([*(t.__name__ for t in by_type), *by_name])
            raise ConfigurationError(
                f"{where}: {name}, parameter {p.name!r}: cannot inject it; "
                f"annotate it with one of {known}, the Lambda context or a logger"
            )
    return HttpPlan(fn, name, inspect.iscoroutinefunction(fn), tuple(params))


def build_named_args(plan: HttpPlan, source: Any, context: Any, log: Any) -> dict[str, Any]:
    """The keyword arguments of a :func:`resolve_named` plan for one event."""
    kw: dict[str, Any] = {}
    for param in plan.params:
        if param.source is From.NAMED:
            assert param.convert is not None
            kw[param.name] = param.convert(source)
        elif param.source is From.CONTEXT:
            kw[param.name] = context
        else:
            kw[param.name] = log
    return kw
