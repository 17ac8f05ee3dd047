"""Calling a handler: async, inline sync, or sync in a worker thread, under a deadline.

The deadline of an API Gateway request (REST, HTTP API, WebSocket) is the smaller of the
Lambda remaining time and API Gateway's integration timeout (29 s by default), minus the
app's ``deadline_margin``, so that lambent answers ``504`` itself before the client gets
API Gateway's own timeout (or Lambda kills the invocation). Function URLs and ALB are
bounded by the Lambda timeout only. Plain ``def`` handlers run inline and cannot be
interrupted; ``threaded=True`` routes run in a worker thread and are abandoned at the
deadline.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

import anyio
import anyio.to_thread

from lambent._dispatch import is_cancellation
from lambent._errors import DeadlineExceeded, HandlerError, describe
from lambent.http._params import HttpPlan

__all__ = ["DeadlineExceeded", "budget", "call"]


def budget(context: Any, margin: float, service_limit: float | None) -> float | None:
    """Seconds a handler may run (``None``: unbounded)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    left = math.inf if remaining is None else float(remaining()) / 1000.0
    if service_limit is not None:
        left = min(left, service_limit)
    return None if left == math.inf else left - margin


async def call(plan: HttpPlan, kw: dict[str, Any], *, threaded: bool, seconds: float | None) -> Any:
    """Run ``plan.fn(**kw)``; raise DeadlineExceeded when ``seconds`` run out first, and
    HandlerError for a ``BaseException`` the handler raised that is not an ``Exception``."""
    try:
        return await _call(plan, kw, threaded=threaded, seconds=seconds)
    except Exception:
        raise
    except BaseException as exc:
        if is_cancellation(exc):
            raise
        raise HandlerError(plan.name, f"raised {describe(exc)}") from exc


async def _call(
    plan: HttpPlan, kw: dict[str, Any], *, threaded: bool, seconds: float | None
) -> Any:
    fn = plan.fn
    if seconds is None:
        if plan.is_async:
            return await fn(**kw)
        if threaded:
            return await anyio.to_thread.run_sync(functools.partial(fn, **kw))
        value = fn(**kw)
        return await value if inspect.isawaitable(value) else value
    if seconds <= 0:
        raise DeadlineExceeded("no time left before the deadline")
    if not plan.is_async and not threaded:
        # an inline plain function cannot be interrupted: no cancel scope to pay for
        value = fn(**kw)
        return await value if inspect.isawaitable(value) else value
    result: Any = None
    with anyio.move_on_after(seconds) as scope:
        if plan.is_async:
            result = await fn(**kw)
        else:
            result = await anyio.to_thread.run_sync(
                functools.partial(fn, **kw), abandon_on_cancel=True
            )
    if scope.cancelled_caught:
        raise DeadlineExceeded(f"the handler did not finish within {seconds:.3f} s")
    return result
