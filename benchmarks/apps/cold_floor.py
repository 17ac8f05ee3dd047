"""The floor: msgspec + anyio + asyncio, ten queue routes, the same first batch.

What any framework must at least do: decode each body into its Struct, call the
handler, collect ``batchItemFailures``, on an event loop kept across invocations,
inside a deadline cancel scope.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
import msgspec

from benchmarks.apps.orders import Order, check

_decoder = msgspec.json.Decoder(Order)
ROUTES = {f"orders-{i}": (_decoder, check) for i in range(10)}
_runner = asyncio.Runner()


async def _run(event: dict[str, Any], budget: float) -> dict[str, Any]:
    records = event["Records"]
    decoder, fn = ROUTES[records[0]["eventSourceARN"].rpartition(":")[2]]
    failures: list[dict[str, str]] = []
    stop_at = time.monotonic() + budget
    # the deadline scope a framework opens per batch (it cancels awaiting handlers);
    # sync handlers cannot be cancelled, so the clock is also read before each record
    with anyio.move_on_after(budget):  # noqa: ASYNC100
        for record in records:
            if time.monotonic() >= stop_at:
                failures.append({"itemIdentifier": record["messageId"]})
                continue
            try:
                fn(decoder.decode(record["body"]))
            except Exception:
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def handler(event: dict[str, Any], context: Any) -> Any:
    budget = context.get_remaining_time_in_millis() / 1000 - 0.5
    return _runner.run(_run(event, budget))
