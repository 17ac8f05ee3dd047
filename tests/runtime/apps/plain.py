"""Plain ``module.function`` handlers (dict in, dict out), as awslambdaric runs them."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

log = logging.getLogger(__name__)


def echo(event: Any, context: Any) -> Any:
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "trace": os.environ.get("_X_AMZN_TRACE_ID", "")[:5],
        "tenant": context.tenant_id,
        "client": None if context.client_context is None else context.client_context.custom,
        "identity": context.identity.cognito_identity_id,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 5000,
    }


def fail(event: Any, context: Any) -> Any:
    raise ValueError(f"bad input: {event.get('value')}")


def slow(event: Any, context: Any) -> Any:
    time.sleep(float(event.get("seconds", 10)))
    return {"slept": True}


def context_calls(event: Any, context: Any) -> Any:
    """``context.log`` of what is not text, and ``context.w3c()``."""
    context.log({"logged": [1, 2]})
    context.log(42)
    context.log("\n")
    return {"w3c": context.w3c()}


def partial_lines(event: Any, context: Any) -> Any:
    """Writes without a newline, to stdout and stderr."""
    import sys

    sys.stdout.write("progress...")
    print("half a line", end="", file=sys.stderr)
    return {"written": True}


def window(event: Any, context: Any) -> Any:
    """When it ran (wall-clock seconds): sleeps ``seconds`` in between."""
    started = time.time()
    time.sleep(float(event.get("seconds", 1.0)))
    return {"start": started, "end": time.time()}


def crash(event: Any, context: Any) -> Any:
    os._exit(3)


def sleep_and_log(event: Any, context: Any) -> Any:
    log.warning("start %s", context.aws_request_id)
    time.sleep(0.2)
    log.warning("end %s", context.aws_request_id)
    return {"request_id": context.aws_request_id}


def returns_bytes(event: Any, context: Any) -> Any:
    return b"\x00raw"


def unmarshalable(event: Any, context: Any) -> Any:
    return {"value": object()}


class Unprintable(Exception):
    """An exception whose ``__str__`` fails (a bug in the user's exception class)."""

    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken")


def unprintable(event: Any, context: Any) -> Any:
    raise Unprintable("lost")


def nested(event: Any, context: Any) -> Any:
    """A result nested deeper than the recursion limit (JSON cannot be written for it)."""
    value: Any = 0
    for _ in range(int(event.get("depth", 5000))):
        value = [value]
    return value


def logs_then_fails(event: Any, context: Any) -> Any:
    """Root logger records of each kind (a dict message, ``extra``, an exception), then a
    failure: the lines each log format gives them."""
    orders = logging.getLogger("orders")
    orders.debug("looking at %s", event.get("id"))
    orders.info({"order": event.get("id"), "step": "checked"})
    orders.warning("low stock", extra={"sku": "pen", "left": 2})
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        orders.exception("could not split the bill")
    raise ValueError(f"order {event.get('id')} refused")


def non_finite(event: Any, context: Any) -> Any:
    return {"nan": float("nan"), "inf": [float("inf"), -float("inf")], "none": None, "one": 1.5}


def loaded(event: Any, context: Any) -> Any:
    """Which of the modules named in the event this process has imported."""
    import sys

    return {name: name in sys.modules for name in event["modules"]}
