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
from lambent._inject import HandlerPlan, Param, Slot, SlotRules, resolve_params
from lambent.http._invoke import run_plan

__all__ = ["resolve_named", "run_named"]

MISSING: Any = inspect.Parameter.empty


def _same(value: Any) -> Any:
    return value


class _NamedRules(SlotRules):
    """Parameters taken from the event by a getter: by their type, else by their name
    (every one passed by keyword: a parameter nothing provides keeps its default)."""

    by_keyword = True

    def __init__(
        self,
        by_type: Mapping[type[Any], Callable[[Any], Any]],
        by_name: Mapping[str, Callable[[Any], Any]],
    ) -> None:
        self.by_type, self.by_name = by_type, by_name

    def takes(self) -> str:
        known = ", ".join([*(t.__name__ for t in self.by_type), *self.by_name])
        return f"annotate it with one of {known}, the Lambda context or a logger"

    def param(self, p: inspect.Parameter, ann: Any, label: str) -> Param | None:
        getter = next(
            (g for tp, g in self.by_type.items() if isinstance(ann, type) and issubclass(ann, tp)),
            None,
        )
        if getter is None:
            getter = self.by_name.get(p.name)
        if getter is not None:
            return Param(p.name, Slot.NAMED, decoder=_same, getter=getter, kw_only=True)
        if p.default is not MISSING:
            return None
        raise ConfigurationError(f"{label}: cannot inject it; {self.takes()}")


def resolve_named(
    fn: Callable[..., Any],
    *,
    where: str,
    by_type: Mapping[type[Any], Callable[[Any], Any]],
    by_name: Mapping[str, Callable[[Any], Any]],
) -> HandlerPlan:
    """Resolve a handler whose parameters are all taken from one event by getters.

    ``by_type``: annotation class -> getter (subclasses match); ``by_name``: parameter
    name -> getter, for unannotated parameters or ones no type claims. Context, logger,
    ``Metrics`` and provided parameters work as everywhere.
    """
    rules = _NamedRules(by_type, by_name)
    return rules.plan(resolve_params(fn, where, rules))


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
