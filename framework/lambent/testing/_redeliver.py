"""Redelivery as Lambda's event source mappings do it, for tests of at-least-once code.

SQS deletes the messages of a batch except those the function reported and delivers
those again later (``ApproximateReceiveCount`` one higher). Kinesis and DynamoDB
Streams retry from the lowest reported sequence number: that record and every later
one of the batch come again. A function error (an exception, or a batch response
Lambda cannot read) retries the whole batch.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from lambent.sources import detect
from lambent.testing._context import FakeContext


def _stream_sequence(record: Mapping[str, Any]) -> str | None:
    for section, key in (("kinesis", "sequenceNumber"), ("dynamodb", "SequenceNumber")):
        inner = record.get(section)
        if isinstance(inner, Mapping) and isinstance(inner.get(key), str):
            return str(inner[key])
    return None


def redeliver(event: Mapping[str, Any], result: Any) -> dict[str, Any] | None:
    """The event Lambda sends next after the function answered ``event`` with ``result``
    (an exception instance for a failed invocation), or ``None`` when nothing is retried.

    Supports SQS and Kinesis / DynamoDB Streams batches with ``ReportBatchItemFailures``.
    """
    kind = detect(event)
    records = list(event.get("Records") or [])
    if isinstance(result, BaseException):
        reported = None  # the whole batch comes again
    elif isinstance(result, Mapping) and isinstance(result.get("batchItemFailures"), list):
        reported = [str(f.get("itemIdentifier")) for f in result["batchItemFailures"]]
        if not reported:
            return None
    else:
        return None
    if kind == "sqs":
        again = [r for r in records if reported is None or r.get("messageId") in reported]
        again = copy.deepcopy(again)
        for record in again:
            attributes = record.setdefault("attributes", {})
            count = int(attributes.get("ApproximateReceiveCount", "1")) + 1
            attributes["ApproximateReceiveCount"] = str(count)
    elif kind in ("kinesis-stream", "dynamodb-stream"):
        if reported is None:
            again = copy.deepcopy(records)
        else:
            numbers = [_stream_sequence(r) for r in records]
            lowest = min(int(n) for n in reported)
            start = next(i for i, n in enumerate(numbers) if n is not None and int(n) == lowest)
            again = copy.deepcopy(records[start:])
    else:
        raise ValueError(f"redeliver supports SQS and stream batches, not {kind} events")
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
