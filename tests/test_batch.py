"""Whole-batch handlers and tumbling windows (:mod:`lambent._batch`)."""

from __future__ import annotations

from typing import Any

import msgspec

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
