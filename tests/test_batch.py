"""Whole-batch handlers and tumbling windows (:mod:`lambent._batch`)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App, detect
from lambent.sources.dynamodb import DynamoDBRecord
from lambent.sources.kinesis import KinesisRecord
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, kinesis_event, sqs_event, tumbling_window


class Order(msgspec.Struct):
    id: int


def test_tumbling_window_returns_state_and_failures() -> None:
    app = App()

    @app.kinesis("clicks", window=True)
    def aggregate(records: list[KinesisRecord], state: dict[str, int]) -> dict[str, int]:
        total = state.get("total", 0)
        for record in records:
            total += msgspec.json.decode(record.data, type=Order).id
        return {"total": total}

    event = tumbling_window(
        kinesis_event({"id": 2}, {"id": 3}, stream="clicks"), state={"total": 10}
    )
    assert detect(event) == "kinesis-stream"
    assert app.handler(event, FakeContext()) == {"state": {"total": 15}, "batchItemFailures": []}


def test_tumbling_window_failure_keeps_the_old_state_and_reports_every_record() -> None:
    app = App()

    @app.kinesis("clicks", window=True)
    def aggregate(records: list[KinesisRecord], state: dict[str, int]) -> dict[str, int]:
        raise RuntimeError("boom")

    event = kinesis_event({"id": 1}, stream="clicks")
    event.update(
        window={"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T00:01:00Z"},
        state={"n": 1},
        shardId="s",
    )
    result = app.handler(event, FakeContext())
    assert result["state"] == {"n": 1}
    assert len(result["batchItemFailures"]) == 1


def test_per_record_route_on_a_window_event_passes_state_through() -> None:
    app = App()
    app.kinesis("clicks")(lambda order: None)
    event = kinesis_event({"id": 1}, stream="clicks")
    event.update(
        window={"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T00:01:00Z"},
        state={"n": 4},
        shardId="s",
    )
    assert app.handler(event, FakeContext()) == {"state": {"n": 4}, "batchItemFailures": []}


def test_whole_batch_handler_marks_individual_failures() -> None:
    app = App()

    @app.dynamodb("orders")
    def batch(records: list[DynamoDBRecord]) -> list[DynamoDBRecord]:
        return [r for r in records if r.new_image and r.new_image["id"] == 2]

    from lambent.testing import Change, dynamodb_event

    event = dynamodb_event(*[Change.insert({"id": i}) for i in range(4)], table="orders")
    result = app.handler(event, FakeContext())
    seqs = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": seqs[2]}]}


def test_whole_batch_handler_may_report_ids_and_later_records_of_a_group_follow() -> None:
    app = App()

    @app.sqs("orders.fifo")
    async def batch(messages: list[SQSMessage]) -> list[str]:
        return [messages[0].message_id]

    event = sqs_event(
        {"id": 1}, {"id": 2}, {"id": 3}, queue="orders.fifo", group_id=["a", "a", "b"]
    )
    ids = [r["messageId"] for r in event["Records"]]
    result = app.handler(event, FakeContext())
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ids[:2]


def test_whole_batch_handler_that_raises_fails_everything() -> None:
    app = App()

    @app.sqs("orders")
    def batch(messages: list[SQSMessage]) -> None:
        raise RuntimeError("down")

    event = sqs_event({"id": 1}, {"id": 2}, queue="orders")
    assert len(app.handler(event, FakeContext())["batchItemFailures"]) == 2


def test_a_window_handler_must_return_a_dict_or_none() -> None:
    app = App()

    @app.kinesis("clicks", window=True)
    def aggregate(records: list[KinesisRecord], state: dict[str, int]) -> Any:
        return 5 if state.get("n") == 1 else None

    bad = tumbling_window(kinesis_event({"id": 1}, stream="clicks"), state={"n": 1})
    result = app.handler(bad, FakeContext())
    assert result["state"] == {"n": 1}  # kept, and the record is retried
    assert len(result["batchItemFailures"]) == 1

    kept = tumbling_window(kinesis_event({"id": 1}, stream="clicks"), state={"n": 2})
    assert app.handler(kept, FakeContext()) == {"state": {"n": 2}, "batchItemFailures": []}


# ------------------------------------------- a whole-batch route is one unit of the run loop


def _two_queues(a: list[int], b: list[int]) -> dict[str, Any]:
    """One SQS batch whose records come from queues ``a`` and ``b``, interleaved."""
    first = sqs_event(*[{"id": i} for i in a], queue="a")["Records"]
    second = sqs_event(*[{"id": i} for i in b], queue="b")["Records"]
    mixed = [r for pair in zip(first, second, strict=False) for r in pair]
    return {"Records": mixed + first[len(second) :] + second[len(first) :]}


def test_whole_batch_and_per_record_units_share_a_batch() -> None:
    app = App()
    seen: list[list[int]] = []

    @app.sqs("a")
    async def whole(messages: list[SQSMessage]) -> list[SQSMessage]:
        orders = [msgspec.json.decode(m.body, type=Order) for m in messages]
        seen.append([o.id for o in orders])
        return [m for m, o in zip(messages, orders, strict=True) if o.id == 2]

    @app.sqs("b")
    def one(order: Order) -> None:
        if order.id == 5:
            raise ValueError("five")

    event = _two_queues([1, 2, 3], [4, 5])
    ids = {msgspec.json.decode(r["body"], type=Order).id: r["messageId"] for r in event["Records"]}
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert seen == [[1, 2, 3]]  # one call, every record of its route, in batch order
    assert out == {"batchItemFailures": [{"itemIdentifier": ids[2]}, {"itemIdentifier": ids[5]}]}
    failed = {e["record_id"]: e["error"] for e in logs if e["event"] == "record failed"}
    assert failed == {
        ids[2]: "ReportedFailure: reported failed by the batch handler",
        ids[5]: "ValueError: five",
    }


def test_an_async_whole_batch_handler_is_cancelled_at_the_deadline() -> None:
    app = App(deadline_margin=0.05)

    @app.sqs("a")
    async def whole(messages: list[SQSMessage]) -> None:
        await anyio.sleep(5)

    app.sqs("b")(lambda order: None)
    event = _two_queues([1, 2], [3])
    started = time.monotonic()
    with capture_logs() as logs:
        out = app.handler(event, FakeContext(timeout=0.3))
    assert time.monotonic() - started < 2.0  # not the handler's 5 seconds
    assert len(out["batchItemFailures"]) == 3  # the per-record one: not started after it
    errors = [e["error"] for e in logs if e["event"] == "record failed"]
    assert errors.count("DeadlineExceeded: cancelled at the deadline") == 2


@pytest.mark.parametrize("error", [KeyboardInterrupt, asyncio.CancelledError])
@pytest.mark.parametrize("mode", ["plain", "async", "threaded"])
def test_a_whole_batch_handler_s_base_exception_fails_its_records_alone(
    mode: str, error: type[BaseException]
) -> None:
    """Raised by the handler itself (not lambent's deadline): its records fail, named."""
    app = App()
    threads: list[str] = []

    def body(messages: list[SQSMessage]) -> None:
        threads.append(threading.current_thread().name)
        raise error

    if mode == "async":

        @app.sqs("a")
        async def whole_async(messages: list[SQSMessage]) -> None:
            body(messages)

    else:
        app.sqs("a", threaded=mode == "threaded")(body)
    app.sqs("b")(lambda order: None)
    event = _two_queues([1, 2], [3])
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert len(out["batchItemFailures"]) == 2  # the per-record route's record succeeded
    assert (threads[0] != threading.current_thread().name) is (mode == "threaded")
    errors = [e["error"] for e in logs if e["event"] == "record failed"]
    assert errors == [error.__name__] * 2


def test_a_whole_batch_handler_with_no_time_left_is_not_started() -> None:
    app = App()
    ran: list[int] = []

    @app.kinesis("clicks", window=True)
    def aggregate(records: list[KinesisRecord], state: dict[str, int]) -> dict[str, int]:
        ran.append(len(records))
        return {"n": 0}

    event = tumbling_window(kinesis_event({"id": 1}, stream="clicks"), state={"n": 7})
    result = app.handler(event, FakeContext(timeout=0.1))  # under the 0.5 s margin
    assert ran == []
    assert result["state"] == {"n": 7}  # kept, and the record is retried
    assert len(result["batchItemFailures"]) == 1


@settings(max_examples=40, deadline=None)
@given(
    records=st.lists(st.tuples(st.sampled_from("wp"), st.booleans()), min_size=1, max_size=12),
    whole_async=st.booleans(),
    each_async=st.booleans(),
)
def test_each_record_is_reported_exactly_when_its_unit_failed_it(
    records: list[tuple[str, bool]], whole_async: bool, each_async: bool
) -> None:
    """Whole-batch and per-record routes of any strategy in one batch: a record is reported
    failed exactly when its whole-batch handler reported it or its own handler raised."""
    app = App()

    def reported(messages: list[SQSMessage]) -> list[SQSMessage]:
        return [m for m in messages if msgspec.json.decode(m.body, type=Order).id < 0]

    def each(order: Order) -> None:
        if order.id < 0:
            raise ValueError(order.id)

    async def reported_async(messages: list[SQSMessage]) -> list[SQSMessage]:
        return reported(messages)

    async def each_async_(order: Order) -> None:
        each(order)

    app.sqs("w")(reported_async if whole_async else reported)
    app.sqs("p")(each_async_ if each_async else each)
    event: dict[str, Any] = {"Records": []}
    for n, (queue, fails) in enumerate(records):
        event["Records"] += sqs_event({"id": -n - 1 if fails else n}, queue=queue)["Records"]
    out = app.handler(event, FakeContext())
    expected = [
        r["messageId"] for r, (_, fails) in zip(event["Records"], records, strict=True) if fails
    ]
    assert [f["itemIdentifier"] for f in out["batchItemFailures"]] == expected
