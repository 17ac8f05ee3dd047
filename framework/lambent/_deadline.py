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
from typing import Any

from lambent._errors import DeadlineExceeded as DeadlineExceeded  # the one class, public

__all__ = ["DeadlineExceeded", "budget"]


def budget(context: Any, margin: float, service_limit: float | None = None) -> float | None:
    """Seconds the invocation's work may take (``None``: unbounded)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    left = math.inf if remaining is None else float(remaining()) / 1000.0
    if service_limit is not None:
        left = min(left, service_limit)
    return None if left == math.inf else left - margin
