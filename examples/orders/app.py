"""The order service: one Lambda function, six event sources.

::

    POST /orders ─────────┐
    S3 batches/*.jsonl ───┴─► orders.fifo ─► store_order ─► orders table ◄─ GET /orders/{id}
                                                                 │ stream (INSERT)
                                                                 ▼
    schedule (nightly) ─► daily_summary ─► EventBridge ◄─ announce_order
                                               │ rule
                                               ▼
                                Firehose order-analytics ─► analytics_row

Deploy with the handler ``examples.orders.app.handler``. Storage is in memory unless
``ORDERS_BACKEND=aws`` (then ``examples.orders.aws`` talks to the real services).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import msgspec

from examples.orders.models import (
    AnalyticsRow,
    DailySummary,
    NewOrder,
    Order,
    OrderPlaced,
    OrderPlacedEvent,
    dollars,
)
from examples.orders.stores import Backends, memory_backends
from lambent import App, Dropped, Logger, Transformed
from lambent.http import HTTPException, Response
from lambent.sources.s3 import S3Record

QUEUE = "orders.fifo"
TABLE = "orders"
IMPORT_BUCKET = "order-imports"
ANALYTICS_STREAM = "order-analytics"
SUMMARY_RULE = "orders-daily-summary"


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    """Entered once per container: clients made here are reused by warm invocations."""
    async with AsyncExitStack() as stack:
        if os.environ.get("ORDERS_BACKEND") == "aws":
            from examples.orders.aws import open_backends

            app.state.backends = await open_backends(stack)
        else:
            app.state.backends = memory_backends()
        yield


app = App("orders", lifespan=lifespan)
handler = app.handler


def backends() -> Backends:
    """The backends the lifespan set up (typed: ``app.state`` is a plain namespace)."""
    found: Backends = app.state.backends
    return found


async def place_order(new: NewOrder, order_id: str | None = None) -> Order:
    """Accept ``new`` and queue it; the queue's consumer stores it."""
    b = backends()
    order = Order.accept(new, order_id or b.new_order_id(), datetime.now(UTC))
    await b.queue.send(order)
    return order


# ------------------------------------------------------------------ HTTP API


@app.post("/orders")
async def create_order(new: NewOrder, log: Logger) -> Response:
    """Accept an order: 202 with its id; a body that does not fit ``NewOrder`` gets a 422."""
    order = await place_order(new)
    log.info("accepted", order=order.id, customer=order.customer)
    body = {"order_id": order.id, "status": "accepted", "total": order.total}
    return Response(body, status=202, headers={"Location": f"/orders/{order.id}"})


@app.get("/orders/{order_id}")
async def get_order(order_id: str) -> Order:
    order = await backends().table.get(order_id)
    if order is None:
        raise HTTPException(404, f"no order {order_id}")
    return order


# ------------------------------------------------------------------ queue consumer


@app.sqs(QUEUE)
async def store_order(order: Order, log: Logger) -> None:
    """Messages of one customer (one FIFO message group) arrive here in order."""
    if await backends().table.insert(order):
        log.info("stored", order=order.id, customer=order.customer, total=dollars(order.total))
    else:
        log.info("already stored, skipped", order=order.id)


# ------------------------------------------------------------------ table stream


@app.dynamodb(TABLE, events=["INSERT"])
async def announce_order(new: Order, log: Logger) -> None:
    """A new item in the table becomes an ``OrderPlaced`` event on the bus."""
    detail = OrderPlaced(
        order_id=new.id,
        customer=new.customer,
        total=new.total,
        items=sum(line.quantity for line in new.lines),
        placed_at=new.placed_at,
    )
    event_id = await backends().bus.publish("OrderPlaced", detail)
    log.info("published OrderPlaced", order=new.id, event_id=event_id)


# ------------------------------------------------------------------ S3 imports

_new_order = msgspec.json.Decoder(NewOrder)


@app.s3(IMPORT_BUCKET, prefix="batches/", suffix=".jsonl", events=["ObjectCreated:*"])
async def import_batch(upload: S3Record, log: Logger) -> None:
    """Each line of an uploaded JSON-lines file is a new order.

    Order ids derive from the object's ETag and the line number, so when S3 delivers
    the notification again (or a retry follows a failure) the queue's deduplication
    drops the lines already sent.
    """
    data = await backends().objects.get(upload.bucket_name, upload.key)
    etag = upload.s3.object.e_tag or "noetag"
    count = 0
    for number, line in enumerate(data.splitlines(), 1):
        if line.strip():
            await place_order(_new_order.decode(line), f"imp-{etag[:8]}-{number}")
            count += 1
    log.info("imported", key=upload.key, orders=count)


# ------------------------------------------------------------------ analytics


@app.firehose(ANALYTICS_STREAM)
def analytics_row(event: OrderPlacedEvent) -> Transformed | object:
    """EventBridge delivers ``OrderPlaced`` events to Firehose; keep a flat row of each.

    Rows are partitioned by day (Firehose dynamic partitioning); orders of the QA
    robot are dropped. A record that does not decode is reported ``ProcessingFailed``.
    """
    placed = event.detail
    if placed.customer.startswith("qa-"):
        return Dropped
    day = placed.placed_at.date().isoformat()
    row = AnalyticsRow(placed.order_id, placed.customer, placed.total, day)
    return Transformed(row, {"day": day})


# ------------------------------------------------------------------ schedule


@app.schedule(SUMMARY_RULE)
async def daily_summary(log: Logger) -> None:
    """Every night: publish the totals of the table."""
    orders = await backends().table.scan()
    summary = DailySummary(
        orders=len(orders),
        revenue=sum(o.total for o in orders),
        customers=len({o.customer for o in orders}),
    )
    await backends().bus.publish("DailySummary", summary)
    log.info("published DailySummary", orders=summary.orders, revenue=dollars(summary.revenue))
