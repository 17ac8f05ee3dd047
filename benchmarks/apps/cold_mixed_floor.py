"""The floor: msgspec + anyio + asyncio serving the same mixed ten routes.

What any framework must at least do: tell the event's source, decode each record's
payload into its Struct, call the handler, collect ``batchItemFailures``, on an
event loop kept across invocations, inside a deadline cancel scope; for HTTP, a
dict lookup on the matched route and msgspec for the body and the answer.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from typing import Any

import anyio
import msgspec

from benchmarks.apps.floor_apps import http_floor
from benchmarks.apps.mixed import BUS_SOURCE, DETAIL_TYPE, QUEUES, RULE, STREAM, TABLE
from benchmarks.apps.orders import Order, check
from benchmarks.apps.routes import GET_ORDER, PUT_ORDER


class OrderRow(msgspec.Struct):
    order_id: str
    status: str


def _plain(value: dict[str, Any]) -> Any:
    """A DynamoDB AttributeValue as plain data (the types this table uses)."""
    ((kind, inner),) = value.items()
    if kind == "M":
        return {k: _plain(v) for k, v in inner.items()}
    if kind == "L":
        return [_plain(v) for v in inner]
    return None if kind == "NULL" else inner


decode_order = msgspec.json.Decoder(Order).decode
Field = Callable[[dict[str, Any]], Any]
#: a record's payload, its handler, and the id its failure is reported under
Route = tuple[Field, Callable[[Any], None], Field]


def _on_change(row: OrderRow) -> None:
    pass


ROUTES: dict[tuple[str, str], Route] = {
    **{
        ("aws:sqs", q): (lambda r: decode_order(r["body"]), check, lambda r: r["messageId"])
        for q in QUEUES
    },
    ("aws:kinesis", STREAM): (
        lambda r: decode_order(base64.b64decode(r["kinesis"]["data"])),
        check,
        lambda r: r["kinesis"]["sequenceNumber"],
    ),
    ("aws:dynamodb", TABLE): (
        lambda r: msgspec.convert(_plain({"M": r["dynamodb"]["NewImage"]}), OrderRow),
        _on_change,
        lambda r: r["dynamodb"]["SequenceNumber"],
    ),
}
EVENTS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    (BUS_SOURCE, DETAIL_TYPE): lambda e: check(msgspec.convert(e["detail"], Order)),
    ("aws.events", RULE): lambda e: None,
}
HTTP = http_floor("apigw-http", (GET_ORDER, PUT_ORDER))
_runner = asyncio.Runner()


def _resource(record: dict[str, Any]) -> str:
    arn: str = record["eventSourceARN"]
    if record["eventSource"] == "aws:dynamodb":
        return arn.split("/")[1]
    return arn.rpartition(":")[2].rpartition("/")[2]


async def _run(records: list[dict[str, Any]], route: Route, budget: float) -> dict[str, Any]:
    payload, fn, ident = route
    failures: list[dict[str, str]] = []
    stop_at = time.monotonic() + budget
    # the deadline scope a framework opens per batch (it cancels awaiting handlers);
    # sync handlers cannot be cancelled, so the clock is also read before each record
    with anyio.move_on_after(budget):  # noqa: ASYNC100
        for record in records:
            if time.monotonic() >= stop_at:
                failures.append({"itemIdentifier": ident(record)})
                continue
            try:
                fn(payload(record))
            except Exception:
                failures.append({"itemIdentifier": ident(record)})
    return {"batchItemFailures": failures}


def handler(event: dict[str, Any], context: Any) -> Any:
    records = event.get("Records")
    if records:
        route = ROUTES[records[0]["eventSource"], _resource(records[0])]
        budget = context.get_remaining_time_in_millis() / 1000 - 0.5
        return _runner.run(_run(records, route, budget))
    if "routeKey" in event:
        return HTTP(event, context)
    source = event["source"]
    scheduled = source == "aws.events"
    EVENTS[source, event["resources"][0].rpartition("/")[2] if scheduled else event["detail-type"]](
        event
    )
    return None
