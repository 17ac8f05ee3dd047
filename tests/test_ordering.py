"""Ordering policies (:mod:`lambent._ordering`): FIFO groups, strict FIFO, shards, undecodable records."""

from __future__ import annotations

import anyio
import msgspec

from lambent import App
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, kinesis_event, sqs_event


class Order(msgspec.Struct):
    id: int


def test_fifo_groups_run_in_order_under_concurrency() -> None:
    app = App(concurrency=100)
    trace: list[tuple[str, str, int]] = []

    @app.sqs("orders.fifo")
    async def step(order: Order, message: SQSMessage) -> None:
        group = message.message_group_id or ""
        trace.append(("start", group, order.id))
        await anyio.sleep(0.005)
        trace.append(("end", group, order.id))

    event = sqs_event(
        *[{"id": i} for i in range(200)],
        queue="orders.fifo",
        group_id=[f"g{i % 10}" for i in range(200)],
    )
    app.handler(event, FakeContext())
    # the 10 groups run in parallel (counted from the trace, not timed): at the peak, one
    # record of every group is in flight
    open_now, peak = 0, 0
    for ev, _, _ in trace:
        open_now += 1 if ev == "start" else -1
        peak = max(peak, open_now)
    assert peak == 10
    for g in range(10):
        mine = [(ev, i) for ev, group, i in trace if group == f"g{g}"]
        assert [i for ev, i in mine if ev == "start"] == list(range(g, 200, 10))
        assert [ev for ev, _ in mine] == ["start", "end"] * 20


def test_strict_fifo_stops_the_whole_batch_at_the_first_failure() -> None:
    app = App(strict_fifo=True)
    ran: list[int] = []

    @app.sqs("orders.fifo")
    def step(order: Order) -> None:
        ran.append(order.id)
        if order.id == 1:
            raise ValueError("poison")

    event = sqs_event(
        *[{"id": i} for i in range(4)], queue="orders.fifo", group_id=["a", "a", "b", "b"]
    )
    result = app.handler(event, FakeContext())
    ids = [r["messageId"] for r in event["Records"]]
    assert ran == [0, 1]
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ids[1:]


def test_kinesis_sequential_option_runs_the_shard_in_order() -> None:
    app = App()
    ran: list[int] = []

    @app.kinesis("clicks", sequential=True)
    async def step(order: Order) -> None:
        ran.append(order.id)
        if order.id == 2:
            raise ValueError("x")

    event = kinesis_event(*[{"id": i} for i in range(5)], stream="clicks", partition_key=["a", "b"])
    result = app.handler(event, FakeContext())
    seqs = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert ran == [0, 1, 2]
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == seqs[2:]


def test_fifo_order_holds_when_a_record_of_the_batch_does_not_decode() -> None:
    app = App()
    ran: list[int] = []

    @app.sqs("orders.fifo")
    def step(order: Order) -> None:
        ran.append(order.id)
        if order.id == 1:
            raise ValueError("poison")

    event = sqs_event(
        {"id": 0},
        {"id": 1},
        {"id": 2},
        {"id": 3},
        queue="orders.fifo",
        group_id=["a", "a", "a", "b"],
    )
    del event["Records"][0]["receiptHandle"]
    event["Records"][0]["attributes"] = "not an object"  # record 0 no longer decodes
    result = app.handler(event, FakeContext())
    ids = [r["messageId"] for r in event["Records"]]
    # record 0 did not decode: its group is unknown, so no later record may run
    assert ran == []
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ids


def test_records_before_an_undecodable_one_still_run() -> None:
    app = App()
    ran: list[int] = []

    @app.kinesis("clicks")
    def step(order: Order) -> None:
        ran.append(order.id)

    event = kinesis_event(*[{"id": i} for i in range(4)], stream="clicks", partition_key=["a", "b"])
    event["Records"][2]["kinesis"]["data"] = 12345  # not a string: record 2 does not decode
    result = app.handler(event, FakeContext())
    seqs = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert ran == [0, 1]
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == seqs[2:]


def test_a_dropped_undecodable_record_holds_no_later_record_back() -> None:
    """Dropped (``on_decode_error="drop"``), a record that did not decode is done, never
    retried: the records after it run in their groups' order."""
    app = App()
    ran: list[int] = []

    @app.sqs("orders.fifo", on_decode_error="drop")
    def step(order: Order) -> None:
        ran.append(order.id)

    event = sqs_event(
        *[{"id": i} for i in range(4)], queue="orders.fifo", group_id=["a", "a", "a", "b"]
    )
    event["Records"][1]["attributes"] = "not an object"  # record 1 no longer decodes
    assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert ran == [0, 2, 3]
