"""Direct invocations (``app.invoke``): custom payloads routed by a field or by type.

``@app.invoke("resize")`` takes events whose ``action`` field (``field=`` to
choose another) equals ``"resize"``. ``@app.invoke()`` takes events that decode
into the handler's payload type; with several such routes the first whose type
accepts the payload wins. The handler's return value is the function's result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from lambent._deadline import DeadlineExceeded, budget
from lambent._dispatch import Batch, Runner, Status, run_batch
from lambent._errors import (
    ConfigurationError,
    DecodeError,
    HandlerError,
    LambentError,
    RoutingError,
    describe,
)
from lambent._inject import HandlerPlan
from lambent._logging import Logger, emit
from lambent._outcomes import json_result
from lambent._record_params import resolve
from lambent._routes import RECORDS, Route, RouteOptions, RouteTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from lambent._app import App


def add_invoke_route(
    routes: RouteTable,
    fn: Callable[..., Any],
    name: str | None,
    field: str,
    options: RouteOptions,
    observed: Callable[[str, HandlerPlan], HandlerPlan] = lambda where, plan: plan,
) -> Route:
    """Add a direct-invocation route (``observed``: the app's idempotency and metrics
    checks of its plan)."""
    where = "invoke route" + (f" ({field}={name!r})" if name is not None else " (by payload type)")
    plan = resolve(fn, where=where, item_type=None, event_type=None, payload_format="decoded")
    plan = observed(where, plan)
    if name is None and plan.payload is None:
        raise ConfigurationError(
            f"{where}: {plan.name} declares no payload type to route by; "
            "give a name (`@app.invoke('action-name')`) or annotate the payload"
        )
    filters: tuple[tuple[str, Any], ...] = (
        (("field", field), ("name", name))
        if name is not None
        else (("type", plan.payload.annotation if plan.payload else None),)
    )
    route = Route(
        kind="direct",
        filters=filters,
        matches=lambda key: True,
        plan=plan,
        options=options,
    )
    return routes.add_to(RECORDS, route)


def _choose(app: App, event: Any) -> Route:
    routes = app.routes.routes("direct")
    typed: list[Route] = []
    looked: dict[str, str] = {}
    for route in routes:
        filters = dict(route.filters)
        if "name" in filters:
            field = filters["field"]
            value = event.get(field) if isinstance(event, Mapping) else None
            looked[field] = repr(value)
            if value == filters["name"]:
                return route
        else:
            typed.append(route)
    if len(typed) == 1:
        return typed[0]
    for route in typed:
        payload = route.plan.payload
        assert payload is not None and payload.decoder is not None
        try:
            payload.decoder(event)
        except (msgspec.ValidationError, TypeError, ValueError):
            continue
        return route
    if typed:
        looked["payload types"] = ", ".join(repr(dict(r.filters)["type"]) for r in typed)
    empty = _empty_batch(event)
    if empty is not None:
        where = f"{empty!r} has no records" if empty else "an array with no elements"
        raise RoutingError(
            "direct",
            {empty or "event": "[]"},
            f"the event is an empty batch ({where}): there is nothing to "
            "run, and no source can be told from it (Lambda never sends an empty batch)",
        )
    raise RoutingError("direct", looked or {"routes": "no app.invoke routes"})


def _misnamed(app: App, event: Any, route: Route, error: DecodeError) -> RoutingError | None:
    """The error of an event that names a route none has (``{"action": "pnig"}``) and
    so went to the payload-typed route, whose type it does not decode into: a
    :class:`RoutingError` saying both, from ``error``; None for any other event."""
    if not isinstance(event, Mapping) or "name" in dict(route.filters):
        return None
    names: dict[str, list[str]] = {}
    for other in app.routes.routes("direct"):
        filters = dict(other.filters)
        if "name" in filters:
            names.setdefault(filters["field"], []).append(filters["name"])
    given = {field: event[field] for field in names if isinstance(event.get(field), str)}
    if not given:
        return None
    field, value = next(iter(given.items()))
    known = ", ".join(repr(n) for n in names[field])
    payload = dict(route.filters).get("type")
    typed = getattr(payload, "__qualname__", None) or repr(payload)
    misnamed = RoutingError(
        "direct",
        {field: repr(value)},
        f"no app.invoke route is named {field}={value!r} (named: {known}), and the payload "
        f"does not decode as {typed}, the typed route's payload either: {error.reason} "
        f"(at {error.path})",
    )
    misnamed.__cause__ = error
    return misnamed


def _batch_keys() -> tuple[str, ...]:
    """Where batch sources put their records (``Records``, ``records``, ``messages``, ...),
    as the sources declare them."""
    from lambent import sources

    keys = (s.requires for s in sources.specs() if s.raw_items is not None and s.requires)
    return tuple(dict.fromkeys(keys))


def _empty_batch(event: Any) -> str | None:
    """The records key of an event that is a batch without records, ``""`` for an empty
    array when a source's batches are arrays (AppSync ``BatchInvoke``), else None."""
    if isinstance(event, list):
        from lambent import sources

        return "" if not event and any(s.array for s in sources.specs()) else None
    if not isinstance(event, Mapping):
        return None
    for key in _batch_keys():
        value = event.get(key)
        if isinstance(value, list | dict) and not value:
            return key
    return None


async def handle_direct(app: App, event: Any, context: Any, log: Logger) -> Any:
    """The handler's result for a direct invocation; a failure is logged here, once."""
    try:
        route = _choose(app, event)
    except LambentError as exc:
        emit(log.error, "invocation failed", error=str(exc), error_type=type(exc).__name__)
        raise
    from lambent._calls import make_call

    request_id = getattr(context, "aws_request_id", None) or "direct"
    batch = Batch([event])
    plan = route.plan
    runner = Runner(
        call=make_call(plan, None, event, context, log, record_id=lambda _: request_id),
        is_async=plan.is_async,
        threaded=route.options.threaded and not plan.is_async,
        route=route,
    )
    batch.runners[0] = runner
    guarded = None
    if route.options.keyed and app.idempotency is not None:
        from lambent.idempotency._batch import guard_direct, settle

        try:
            guarded = await guard_direct(app.idempotency, route, batch, event, context)
        except Exception as exc:  # no key: the payload does not decode, the key function raised
            emit(log.error, "invocation failed", error=describe(exc), handler=plan.name)
            raise
    await run_batch(batch, concurrency=1, budget=budget(context, app.deadline_margin))
    if guarded is not None:
        await settle(guarded, batch)
    if batch.status[0] != Status.SUCCEEDED:
        error = batch.errors.get(0) or DeadlineExceeded("not started before the deadline")
        if isinstance(error, DecodeError):
            error = _misnamed(app, event, route, error) or error
        emit(
            log.error, "invocation failed", error=describe(error), handler=plan.name, exc_info=error
        )
        if not isinstance(error, Exception):
            raise HandlerError(plan.name, f"raised {describe(error)}") from error
        raise error
    return json_result(batch.results.get(0), plan.name)
