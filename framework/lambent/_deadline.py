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
from typing import Any

from lambent._errors import DeadlineExceeded as DeadlineExceeded  # the one class, public
from lambent._fast import FAST

__all__ = ["DeadlineExceeded", "budget"]

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
