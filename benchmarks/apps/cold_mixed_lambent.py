"""lambent: the mixed ten-route app (importing this module is the init phase)."""

from __future__ import annotations

from typing import Any

import msgspec

from benchmarks.apps.mixed import BUS_SOURCE, DETAIL_TYPE, QUEUES, RULE, STREAM, TABLE
from benchmarks.apps.orders import Order, OrderSummary, check, summarize
from benchmarks.apps.routes import ORDER_PATH, order_response
from lambent import App


class OrderRow(msgspec.Struct):
    order_id: str
    status: str


app = App()


def _add_queue(queue: str) -> None:
    @app.sqs(queue)
    def on_order(order: Order) -> None:
        check(order)


for _queue in QUEUES:
    _add_queue(_queue)


@app.kinesis(STREAM)
def on_stream(order: Order) -> None:
    check(order)


@app.dynamodb(TABLE, events=["INSERT", "MODIFY"])
def on_change(new: OrderRow) -> None:
    pass


@app.eventbridge(source=BUS_SOURCE, detail_type=DETAIL_TYPE)
def on_placed(order: Order) -> None:
    check(order)


@app.schedule(RULE)
def nightly() -> None:
    pass


@app.get(ORDER_PATH)
def get_order(order_id: str) -> dict[str, Any]:
    return order_response(order_id)


@app.put(ORDER_PATH)
def put_order(order_id: str, order: Order) -> OrderSummary:
    return summarize(order_id, order)


handler = app.handler
