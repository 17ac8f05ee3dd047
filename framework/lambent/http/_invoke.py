"""Calling a handler: async, inline sync, or sync in a worker thread, under a deadline.

The deadline of an API Gateway request (REST, HTTP API, WebSocket) is the smaller of the
Lambda remaining time and API Gateway's integration timeout (29 s by default), minus the
app's ``deadline_margin``, so that lambent answers ``504`` itself before the client gets
API Gateway's own timeout (or Lambda kills the invocation). Function URLs and ALB are
bounded by the Lambda timeout only. Plain ``def`` handlers run inline and cannot be
interrupted; ``threaded=True`` routes run in a worker thread and are abandoned at the
deadline. The call is one unit of :mod:`lambent._run` (as a record's is in a batch);
what this module adds is the single event's answer to a unit cut at the deadline
(:class:`DeadlineExceeded`) and to a ``BaseException`` of the handler
(:class:`~lambent.HandlerError`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lambent._calls import make_call
from lambent._deadline import DeadlineExceeded, budget
from lambent._errors import HandlerError, describe
from lambent._inject import HandlerPlan, Slot
from lambent._run import Cut, Strategy, invoke_within, is_cancellation
from lambent.http._plan import HttpPlan

__all__ = ["NO_TIME", "DeadlineExceeded", "budget", "call", "handler_error", "run", "run_plan"]

#: the error of a unit the deadline kept from starting
NO_TIME = "no time left before the deadline"


async def call(plan: HttpPlan, kw: dict[str, Any], *, threaded: bool, seconds: float | None) -> Any:
    """Run ``plan.fn(**kw)`` (see :func:`run`)."""
    return await run(
        functools.partial(plan.fn, **kw),
        name=plan.name,
        is_async=plan.is_async,
        threaded=threaded,
        seconds=seconds,
    )


async def run_plan(
    plan: HandlerPlan,
    item: Any,
    *,
    spec: Any,
    context: Any,
    log: Any,
    threaded: bool,
    seconds: float | None,
    extra: dict[Slot, Any] | None = None,
) -> Any:
    """Run a Slot plan's handler for ``item`` (arguments by :func:`lambent._calls.make_call`)
    under the deadline (see :func:`run`): WebSocket, authorizer and edge handlers."""
    handler = make_call(plan, spec, item, context, log, extra=extra)
    return await run(
        functools.partial(handler, item, 0),
        name=plan.name,
        is_async=plan.is_async,
        threaded=threaded,
        seconds=seconds,
    )


async def run(
    fn: Callable[[], Any], *, name: str, is_async: bool, threaded: bool, seconds: float | None
) -> Any:
    """Run ``fn()`` (a coroutine function's call when ``is_async``) of the handler ``name``;
    raise DeadlineExceeded when ``seconds`` run out first, and HandlerError for a
    ``BaseException`` the handler raised that is not an ``Exception``."""
    strategy = Strategy.of(is_async, threaded)
    try:
        result = await invoke_within(strategy, fn, seconds=seconds)
    except BaseException as exc:
        error = handler_error(name, exc)
        if error is None:
            raise
        raise error  # noqa: B904 - from exc (handler_error)
    if result is Cut.NOT_STARTED:
        raise DeadlineExceeded(NO_TIME)
    if result is Cut.CANCELLED:
        raise DeadlineExceeded(f"the handler did not finish within {seconds:.3f} s")
    return result


def handler_error(name: str, exc: BaseException) -> HandlerError | None:
    """The :class:`~lambent.HandlerError` (from ``exc``) a single event raises for ``exc``,
    raised by its handler ``name``: for a ``BaseException`` that is not an ``Exception``
    (``KeyboardInterrupt``, ``SystemExit``, a ``CancelledError`` the handler raised by
    itself); ``None`` for an ``Exception`` or the cancellation of the running task, which
    pass on as they are."""
    if isinstance(exc, Exception) or is_cancellation(exc):
        return None
    error = HandlerError(name, f"raised {describe(exc)}")
    error.__cause__ = exc  # as ``raise error from exc``
    error.__suppress_context__ = True
    return error
