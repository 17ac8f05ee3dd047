"""The one deadline of an invocation, and the one error of work that ran out of time.

The budget is the Lambda remaining time (``context.get_remaining_time_in_millis``),
capped by the service's own timeout when the service gives up first (API Gateway's
integration timeout, 29 s by default), minus the app's ``deadline_margin``: the time kept
to report unfinished records or answer ``504`` before Lambda (or the service) cuts the
invocation off. A context without the method (a test calling the handler directly) has
no deadline.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from lambent._errors import DeadlineExceeded as DeadlineExceeded  # the one class, public
from lambent._fast import FAST

__all__ = ["DeadlineExceeded", "budget", "out_of_time"]

#: lambent's own context types (lambent.runtime's, lambent.testing's): each answers
#: ``get_remaining_time_in_millis()`` with ``max(0, _deadline_ms - int(_clock() * 1000))``,
#: read here without the call while its ``_clock`` is the wall clock, ``time.time``, as
#: it is now (``lambent._fast``: ``wall_deadline``)
WALL_CLOCK_CONTEXTS: set[type] = set()


def remaining_seconds(context: Any) -> float | None:
    """``context.get_remaining_time_in_millis() / 1000`` (``None``: no such method)."""
    clock = time.time
    if type(context) in WALL_CLOCK_CONTEXTS and context._clock is clock and FAST.wall_deadline:
        left = context._deadline_ms - int(clock() * 1000)
        return left / 1000.0 if left > 0 else 0.0
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return None if remaining is None else float(remaining()) / 1000.0


def budget(context: Any, margin: float, service_limit: float | None = None) -> float | None:
    """Seconds the invocation's work may take (``None``: unbounded)."""
    left = remaining_seconds(context)
    if service_limit is not None:
        left = service_limit if left is None else min(left, service_limit)
    return None if left is None or left == math.inf else left - margin


def out_of_time(margin: float) -> Callable[[Any], bool]:
    """``spent(context)``: ``remaining_seconds(context) - margin <= 0`` (False without a
    deadline), for a margin known ahead: a wall-clock context's remaining milliseconds
    (an integer) are compared with the most that still leaves no time, found once."""
    wall = WALL_CLOCK_CONTEXTS
    most = _most_spent(margin)

    def spent(context: Any) -> bool:
        clock = time.time
        if (
            most is not None
            and type(context) in wall
            and context._clock is clock
            and FAST.wall_deadline
        ):
            left: int = context._deadline_ms - int(clock() * 1000)
            return left <= most
        seconds = remaining_seconds(context)
        return seconds is not None and seconds - margin <= 0

    return spent


def _most_spent(margin: float) -> int | None:
    """The largest number of milliseconds ``n`` with ``n / 1000.0 - margin <= 0`` (every
    smaller one, 0 and below, have it too), or None for a margin that is not finite and
    non-negative."""
    if not (0 <= margin < math.inf):
        return None
    most = math.floor(margin * 1000)
    while (most + 1) / 1000.0 - margin <= 0:
        most += 1
    while most / 1000.0 - margin > 0:
        most -= 1
    return most
