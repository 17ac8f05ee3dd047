"""Redelivery as Lambda's event source mappings do it, for tests of at-least-once code.

SQS deletes the messages of a batch except those the function reported and delivers
those again later (``ApproximateReceiveCount`` one higher). Kinesis and DynamoDB
Streams retry from the lowest reported sequence number: that record and every later
one of the batch come again. A function error (an exception, or a batch response
Lambda cannot read) retries the whole batch. Each source says which rule is its own
(``redelivery``); this module knows none of them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from lambent.sources import spec_for
from lambent.testing._context import FakeContext

#: the system attribute SQS counts receives in
_RECEIVES = "ApproximateReceiveCount"


def redeliver(event: Mapping[str, Any], result: Any) -> dict[str, Any] | None:
    """The event Lambda sends next after the function answered ``event`` with ``result``
    (an exception instance for a failed invocation), or ``None`` when nothing is retried.

    Supports the sources with partial batch responses Lambda retries: SQS, Kinesis and
    DynamoDB Streams (``ReportBatchItemFailures``)."""
    spec = spec_for(event)
    rule = None if spec is None else spec.redelivery
    if spec is None or rule is None or spec.raw_id is None:
        kind = "direct" if spec is None else spec.kind
        raise ValueError(f"redeliver supports SQS and stream batches, not {kind} events")
    records = list(event.get("Records") or [])
    if isinstance(result, BaseException):
        again = records  # the whole batch comes again
    elif isinstance(result, Mapping) and isinstance(result.get("batchItemFailures"), list):
        reported = {str(f.get("itemIdentifier")) for f in result["batchItemFailures"]}
        if not reported:
            return None
        ids = [spec.raw_id(r) for r in records]
        if rule == "reported":
            again = [r for r, rid in zip(records, ids, strict=True) if rid in reported]
        else:
            lowest = min(int(n) for n in reported)
            start = next(i for i, rid in enumerate(ids) if rid is not None and int(rid) == lowest)
            again = records[start:]
    else:
        return None
    again = copy.deepcopy(again)
    for record in again:
        attributes = record.get("attributes")
        if isinstance(attributes, dict) and _RECEIVES in attributes:
            attributes[_RECEIVES] = str(int(attributes[_RECEIVES]) + 1)
    return {**event, "Records": again} if again else None


async def deliver(
    app: Any, event: Mapping[str, Any], *, attempts: int = 4, context: Any = None
) -> list[Any]:
    """Dispatch ``event`` and redeliver what failed, as Lambda would, until nothing is left
    or ``attempts`` deliveries were made; each delivery's result (or exception), in order.
    """
    results: list[Any] = []
    current: Mapping[str, Any] | None = event
    while current is not None and len(results) < attempts:
        try:
            result: Any = await app.dispatch(current, context or FakeContext())
        except Exception as exc:
            result = exc
        results.append(result)
        current = redeliver(current, result)
    return results
