"""``make demo``: the order service end to end, locally, on real-shaped events.

No AWS account and no network: events come from ``lambent.testing`` factories,
storage is in memory (``examples.orders.stores``), and each step hands what the
previous one produced (queued messages, table changes, bus events) to the next
invocation, as the event source mappings would. Every step prints what the
handlers did (their own log lines) and what the function returned.

The demo is the list :data:`STEPS`; to show another part of lambent, append a
:class:`Step`.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
import structlog

from examples.orders import app as orders
from examples.orders.models import NewOrder, OrderLine
from examples.orders.stores import MemoryBackends, QueuedMessage
from lambent import App
from lambent.testing import (
    Change,
    FakeContext,
    dynamodb_event,
    firehose_event,
    http_request,
    s3_event,
    schedule_event,
    sqs_event,
)

#: log fields every line carries that the trace leaves out
_NOISE = (
    *("aws_request_id", "function_name", "cold_start", "source", "record_id", "logger"),
    *("route", "method", "path", "level", "timestamp", "exc_info"),
)


def _trace_line(_: Any, __: str, entry: MutableMapping[str, Any]) -> str:
    """Render a log entry as one short trace line (structlog's last processor)."""
    event = entry.pop("event", "")
    if event == "batch processed":
        raise structlog.DropEvent
    if event == "record failed":
        return f"    ✗ {entry.get('record_id')} failed: {entry.get('error')}"
    for key in _NOISE:
        entry.pop(key, None)
    return "    · " + " ".join([str(event), *(f"{k}={v}" for k, v in entry.items())])


def show(value: Any) -> str:
    return msgspec.json.encode(value).decode()


@dataclass
class Demo:
    app: App
    store: MemoryBackends
    out: Callable[[str], None] = print
    invocations: int = field(default=0)

    async def invoke(self, event: dict[str, Any]) -> Any:
        """Invoke the function as Lambda would, and print what it returned."""
        self.invocations += 1
        context = FakeContext(function_name="orders", aws_request_id=f"req-{self.invocations}")
        result = await self.app.dispatch(event, context)
        self.out(f"    → returned {show(result)}")
        return result

    async def deliver_queue(self) -> Any:
        """Hand every queued message to the function in one SQS FIFO batch."""
        messages = self.store.queue.drain()
        event = sqs_event(
            *[m.body for m in messages],
            queue=orders.QUEUE,
            group_id=[m.group_id for m in messages],
            deduplication_id=[m.deduplication_id for m in messages],
        )
        for record, message in zip(event["Records"], messages, strict=True):
            record["messageId"] = message.message_id  # short ids read better than UUIDs
        return await self.invoke(event)

    async def deliver_stream(self) -> Any:
        """Hand the table's new changes to the function as a DynamoDB Streams batch."""
        changes = [
            Change.insert(new) if old is None else Change.modify(old, new)
            for old, new in self.store.table.drain_stream()
            if new is not None
        ]
        return await self.invoke(dynamodb_event(*changes, table=orders.TABLE))


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[Demo], Awaitable[None]]


def _order(customer: str, *lines: tuple[str, int, int]) -> NewOrder:
    return NewOrder(customer, [OrderLine(sku, qty, price) for sku, qty, price in lines])


async def post(demo: Demo, body: Any) -> Any:
    order = msgspec.to_builtins(body)
    lines = ", ".join(f"{line['quantity']} x {line['sku']}" for line in order["lines"])
    demo.out(f"    POST /orders  {order['customer']}: {lines}")
    request = http_request("POST", "/orders", json=body, source="apigw-http")
    context = FakeContext(function_name="orders")
    response = await demo.app.dispatch(request, context)
    status, body = response["statusCode"], msgspec.json.decode(response["body"])
    shown = show(body) if status < 400 else f"{body['message']} (at {body.get('path')})"
    demo.out(f"    → {status} {shown}")
    return response


async def http_api(demo: Demo) -> None:
    await post(demo, _order("alice", ("LAMP-01", 1, 4900)))
    await post(demo, _order("bob", ("MUG-BLUE", 2, 1250)))
    await post(demo, _order("alice", ("BULB-E27", 4, 399)))
    poison = QueuedMessage(
        message_id="msg-bad1",
        body='{"id":"ord-x","customer":"bob","lines":[{"sku":"MUG-RED","quantity":0,'
        '"unit_price":1250}],"total":0,"placed_at":"2024-06-01T09:00:00Z"}',
        group_id="bob",
        deduplication_id="ord-x",
    )
    demo.store.queue.messages.append(poison)
    demo.out("    (an old client, bypassing the API, queues msg-bad1 for bob: quantity 0)")
    await post(demo, _order("bob", ("MUG-RED", 1, 1250)))
    await post(demo, {"customer": "dave", "lines": [{"sku": "LAMP-01", "quantity": 0}]})


async def consume_queue(demo: Demo) -> None:
    await demo.deliver_queue()
    demo.out("    (bob's group stops at the poison message: ord-0004 waits for the retry)")


async def stream_to_bus(demo: Demo) -> None:
    await demo.deliver_stream()


async def read_back(demo: Demo) -> None:
    for order_id in ("ord-0002", "ord-0004"):
        request = http_request("GET", f"/orders/{order_id}", route="/orders/{order_id}")
        response = await demo.app.dispatch(request, FakeContext(function_name="orders"))
        body = msgspec.json.decode(response["body"])
        shown = (
            f"{body['customer']}, total {body['total']}"
            if response["statusCode"] == 200
            else body["message"]
        )
        demo.out(f"    GET /orders/{order_id} → {response['statusCode']} ({shown})")


async def import_file(demo: Demo) -> None:
    key = "batches/2024-06-01.jsonl"
    lines = [
        _order("carol", ("DESK-OAK", 1, 21900)),
        _order("qa-bot", ("LAMP-01", 1, 4900)),
    ]
    demo.store.objects.put(
        orders.IMPORT_BUCKET, key, b"\n".join(msgspec.json.encode(n) for n in lines)
    )
    await demo.invoke(s3_event(key, bucket=orders.IMPORT_BUCKET))
    demo.out("    then the queue and the table stream, as before:")
    await demo.deliver_queue()
    await demo.deliver_stream()


async def analytics(demo: Demo) -> None:
    placed = [e for e in demo.store.bus.events if e.detail_type == "OrderPlaced"]
    envelopes = [
        {"id": e.id, "source": e.source, "detail-type": e.detail_type, "detail": e.detail}
        for e in placed
    ]
    event = firehose_event(*envelopes, stream=orders.ANALYTICS_STREAM)
    demo.out(f"    {len(envelopes)} OrderPlaced events from the bus")
    context = FakeContext(function_name="orders")
    result = await demo.app.dispatch(event, context)
    for record in result["records"]:
        data = base64.b64decode(record["data"]).decode().strip()
        shown = data if record["result"] == "Ok" else "(original record)"
        demo.out(f"    → {record['result']:<8} {shown}")
    demo.out('    (Ok rows carry metadata.partitionKeys {"day": ...} for dynamic partitioning)')


async def nightly(demo: Demo) -> None:
    await demo.invoke(schedule_event(orders.SUMMARY_RULE))


async def local_lambda(demo: Demo) -> None:
    import anyio.to_thread

    from examples.demo_local import run_local_lambda

    await anyio.to_thread.run_sync(run_local_lambda, demo.out)


STEPS: list[Step] = [
    Step("HTTP API: POST /orders (API Gateway HTTP API events)", http_api),
    Step("SQS → store_order: one FIFO batch, groups in parallel", consume_queue),
    Step("DynamoDB stream of table orders → announce_order", stream_to_bus),
    Step("HTTP API: GET /orders/{order_id}", read_back),
    Step("S3 upload to order-imports → import_batch", import_file),
    Step("Firehose order-analytics → analytics_row", analytics),
    Step("Schedule orders-daily-summary → daily_summary", nightly),
    Step("Local Lambda: lambent serve, invoked by boto3 with each type", local_lambda),
]


async def run(steps: list[Step], out: Callable[[str], None] = print) -> Demo:
    app = orders.app
    async with app.running():
        store = app.state.backends
        if not isinstance(store, MemoryBackends):
            raise SystemExit("the demo runs on the in-memory backends: unset ORDERS_BACKEND")
        demo = Demo(app, store, out)
        for number, step in enumerate(steps, 1):
            out(f"\n[{number}] {step.title}")
            await step.run(demo)
        bus = [e.detail_type for e in store.bus.events]
        published = ", ".join(f"{bus.count(t)} {t}" for t in dict.fromkeys(bus))
        out(f"\nDone: {len(store.table.items)} orders stored; published {published}.")
    return demo


def main() -> None:
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, _trace_line],
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
    print("lambent demo: the order service of examples/orders, no AWS, no network")
    print("  (each step: what is sent; · a log line of a handler; → what the function returned)")
    import anyio

    anyio.run(run, STEPS)


if __name__ == "__main__":
    main()
