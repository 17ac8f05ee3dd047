"""The deadline (:mod:`lambent._deadline`): unfinished records are reported in time."""

from __future__ import annotations

import time

import anyio
import msgspec

from lambent import App
from lambent.testing import FakeContext, sqs_event


class Order(msgspec.Struct):
    id: int


def test_one_second_left_and_a_two_second_handler_returns_in_time() -> None:
    app = App(deadline_margin=0.2)

    @app.sqs("orders")
    async def slow(order: Order) -> None:
        if order.id == 2:
            await anyio.sleep(2)

    event = sqs_event({"id": 1}, {"id": 2}, {"id": 3}, queue="orders")
    context = FakeContext(timeout=1.0)
    begin = time.monotonic()
    result = app.handler(event, context)
    elapsed = time.monotonic() - begin
    assert elapsed < 1.0
    assert context.get_remaining_time_in_millis() > 0
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_deadline_with_fifo_reports_the_rest_of_the_group() -> None:
    app = App(deadline_margin=0.1)

    @app.sqs("orders.fifo")
    async def slow(order: Order) -> None:
        if order.id == 1:
            await anyio.sleep(5)

    event = sqs_event(
        {"id": 0},
        {"id": 1},
        {"id": 2},
        {"id": 3},
        queue="orders.fifo",
        group_id=["a", "a", "a", "b"],
    )
    result = app.handler(event, FakeContext(timeout=0.4))
    ids = [r["messageId"] for r in event["Records"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[2]}]}
