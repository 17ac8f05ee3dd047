"""Small plain-function handlers the local-Lambda tests run, in-process and under awslambdaric."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def echo(event: Any, context: Any) -> Any:
    """Return the event with what the context said about the invocation."""
    print(f"echo {context.aws_request_id}")
    client = context.client_context
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": str(context.memory_limit_in_mb),
        "log_group_name": context.log_group_name,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 60_000,
        "custom": client.custom if client is not None else None,
        "tenant_id": getattr(context, "tenant_id", None),
    }


def fail(event: Any, context: Any) -> Any:
    print("about to fail")
    raise ValueError(f"bad event: {event.get('why', 'no reason')}")


def none(event: Any, context: Any) -> Any:
    return None


def flaky(event: Any, context: Any) -> Any:
    """Fail ``event["fail_times"]`` times per ``event["key"]`` (counted in a file), then succeed."""
    counter = Path(event["dir"]) / f"{event['key']}.count"
    seen = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(seen + 1))
    if seen < event["fail_times"]:
        raise RuntimeError(f"attempt {seen + 1} fails")
    return {"key": event["key"], "attempts": seen + 1}


def sleep(event: Any, context: Any) -> Any:
    time.sleep(float(event.get("seconds", 10)))
    return {"slept": event.get("seconds", 10), "pid": os.getpid()}


def gate(event: Any, context: Any) -> Any:
    """Creates the file ``started``, then waits until the file ``release`` exists (a test
    holds an invocation running for exactly as long as it needs, whatever the load)."""
    Path(event["started"]).touch()
    release = Path(event["release"])
    while not release.exists():
        time.sleep(0.01)
    return {"released": True}


def pid(event: Any, context: Any) -> Any:
    return {"pid": os.getpid()}


class WithHandler:
    """An object with a ``handler`` method, as a lambent App has."""

    def handler(self, event: Any, context: Any) -> Any:
        return {"object": True, "event": event}


app = WithHandler()


def crash(event: Any, context: Any) -> Any:
    """Exit the process in the middle of an invocation (a runtime crash)."""
    os._exit(3)


IMPORTED_STAGE = os.environ.get("LAMBENT_TEST_STAGE")


def environ(event: Any, context: Any) -> Any:
    """The variable named by the event, as the module saw it at import and as it is now."""
    return {"at_import": IMPORTED_STAGE, "now": os.environ.get(event["key"])}
