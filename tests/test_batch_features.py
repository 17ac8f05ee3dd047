"""Dispatcher features: corpus batches, deadlines, windows, whole-batch handlers, hooks."""

from __future__ import annotations

import time
from typing import Any

import anyio
import msgspec
import pytest
import structlog

from lambent import App, BatchFailedError, BatchInfo, Dropped, detect
from lambent.sources.dynamodb import DynamoDBRecord
from lambent.sources.kinesis import KinesisRecord
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, kinesis_event, sqs_event, tumbling_window
from tests import corpus


class Order(msgspec.Struct):
    id: int


# --------------------------------------------------------------------------- corpus

BATCH_KINDS = {
    "sqs": "batch",
    "kinesis-stream": "batch",
    "dynamodb-stream": "batch",
    "kafka": "batch",
    "firehose": "firehose",
    "mq": "all",
}


def _register_failing_every_other(app: App, kind: str, seen: list[Any]) -> None:
    counter = {"n": 0}

    def handler(record: Any) -> Any:
        counter["n"] += 1
        seen.append(record)
        if counter["n"] % 2 == 0:
            raise RuntimeError("injected failure")
        return None

    register = {
        "sqs": app.sqs,
        "kinesis-stream": app.kinesis,
        "dynamodb-stream": app.dynamodb,
        "kafka": app.kafka,
        "firehose": app.firehose,
        "mq": app.mq,
    }[kind]
    register()(_annotate_item(handler, kind))


def _annotate_item(fn: Any, kind: str) -> Any:
    from lambent import sources

    module = {
        "sqs": "sqs", "kinesis-stream": "kinesis", "dynamodb-stream": "dynamodb",
        "kafka": "kafka", "firehose": "firehose", "mq": "mq",
    }[kind]  # fmt: skip
    specs = sources.module(module).SPECS
    item_types = tuple(s.item_type for s in specs)

    def wrapper(record: Any) -> Any:
        return fn(record)

    wrapper.__annotations__ = {
        "record": item_types[0] if len(item_types) == 1 else item_types[0] | item_types[1],
        "return": Any,
    }
    return wrapper


@pytest.mark.parametrize(
    "row",
    corpus.params(
        "sqs", "kinesis-stream", "dynamodb-stream", "kafka", "firehose", "mq", "tumbling-window"
    ),
)
def test_corpus_batches_dispatch_with_injected_failures(row: corpus.Row | None) -> None:
    from lambent import detect

    event = corpus.load(row)
    kind = detect(event)
    app = App(concurrency=1)
    seen: list[Any] = []
    _register_failing_every_other(app, kind, seen)
    context = FakeContext()
    mode = BATCH_KINDS[kind]
    if mode == "all":
        if _count(event, kind) < 2:  # every other record fails: a lone record succeeds
            assert app.handler(event, context) is None
            assert len(seen) == 1
            return
        with pytest.raises(BatchFailedError) as info:
            app.handler(event, context)
        assert len(info.value.failed_ids) == _count(event, kind) // 2
        assert len(seen) == _count(event, kind)
        return
    result = app.handler(event, context)
    total = _count(event, kind)
    assert len(seen) == total or kind in ("kinesis-stream", "dynamodb-stream", "kafka")
    if mode == "firehose":
        assert len(result["records"]) == total
        results = [r["result"] for r in result["records"]]
        assert results.count("ProcessingFailed") == total // 2
        return
    failures = result["batchItemFailures"]
    assert failures or total < 2
    assert all(f["itemIdentifier"] for f in failures)
    if "window" in event:
        assert "state" in result


def _count(event: dict[str, Any], kind: str) -> int:
    if kind == "kafka":
        return sum(len(v) for v in event["records"].values())
    if kind == "firehose":
        return len(event["records"])
    if kind == "mq":
        if "messages" in event:
            return len(event["messages"])
        return sum(len(v) for v in event["rmqMessagesByQueue"].values())
    return len(event["Records"])


# --------------------------------------------------------------------------- deadline


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


# --------------------------------------------------------------------------- speed and order


def test_a_thousand_io_bound_records_run_concurrently() -> None:
    app = App(concurrency=100)

    @app.sqs("orders")
    async def wait(order: Order) -> None:
        await anyio.sleep(0.01)

    event = sqs_event(*[{"id": i} for i in range(1000)], queue="orders")
    begin = time.monotonic()
    assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert time.monotonic() - begin < 1.0


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
    begin = time.monotonic()
    app.handler(event, FakeContext())
    assert time.monotonic() - begin < 0.5  # 20 records a group, 10 groups in parallel
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


# --------------------------------------------------------------------------- windows and batches


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


def test_hooks_see_each_batch_and_its_counts() -> None:
    app = App()
    calls: list[tuple[str, BatchInfo]] = []

    @app.before_batch
    def before(batch: BatchInfo) -> None:
        calls.append(("before", batch))

    @app.after_batch
    async def after(batch: BatchInfo) -> None:
        calls.append(("after", batch))

    @app.sqs("orders")
    def step(order: Order) -> None:
        if order.id == 2:
            raise ValueError("x")

    event = sqs_event({"id": 1}, {"id": 2}, queue="orders")
    app.handler(event, FakeContext())
    assert [name for name, _ in calls] == ["before", "after"]
    after_info = calls[1][1]
    assert after_info.source == "sqs" and len(after_info.items) == 2
    assert after_info.counts["succeeded"] == 1 and after_info.counts["failed"] == 1
    assert after_info.failed_ids == [event["Records"][1]["messageId"]]


def test_undecodable_records_can_be_dropped_with_an_error_log() -> None:
    app = App()

    @app.sqs("orders", on_decode_error="drop")
    def step(order: Order) -> None: ...

    event = sqs_event({"id": 1}, "not json", queue="orders")
    with structlog.testing.capture_logs() as logs:
        result = app.handler(event, FakeContext())
    assert result == {"batchItemFailures": []}
    summary = next(e for e in logs if e["event"] == "batch processed")
    assert summary["dropped"] == 1 and summary["succeeded"] == 1


def test_one_summary_line_per_batch_and_each_failure_once() -> None:
    app = App()

    @app.sqs("orders")
    def step(order: Order) -> None:
        if order.id % 2:
            raise ValueError(f"odd {order.id}")

    event = sqs_event(*[{"id": i} for i in range(4)], queue="orders")
    with structlog.testing.capture_logs() as logs:
        app.handler(event, FakeContext())
    summaries = [e for e in logs if e["event"] == "batch processed"]
    failures = [e for e in logs if e["event"] == "record failed"]
    assert len(summaries) == 1
    assert summaries[0]["succeeded"] == 2 and summaries[0]["failed"] == 2
    assert "duration_ms" in summaries[0]
    assert sorted(f["record_id"] for f in failures) == sorted(
        r["messageId"] for r in event["Records"][1::2]
    )


def test_firehose_partition_keys_and_response_limit() -> None:
    from lambent import ResponseTooLargeError, Transformed
    from lambent.testing import firehose_event

    app = App()

    @app.firehose("deliveries")
    def transform(order: Order) -> Any:
        if order.id == 0:
            return Dropped
        return Transformed({"id": order.id}, {"customer": str(order.id)})

    event = firehose_event({"id": 0}, {"id": 1}, stream="deliveries")
    result = app.handler(event, FakeContext())
    assert result["records"][0]["result"] == "Dropped"
    assert result["records"][1]["metadata"] == {"partitionKeys": {"customer": "1"}}

    big = App()

    @big.firehose("deliveries")
    def grow(data: bytes) -> bytes:
        return b"x" * 4_000_000

    with pytest.raises(ResponseTooLargeError, match="6291456"):
        big.handler(firehose_event("a", "b", stream="deliveries"), FakeContext())


def test_mq_tries_every_record_then_fails_listing_ids() -> None:
    from lambent.testing import mq_event

    app = App()
    ran: list[int] = []

    @app.mq("orders")
    def step(order: Order) -> None:
        ran.append(order.id)
        if order.id in (1, 2):
            raise ValueError("x")

    event = mq_event({"id": 0}, {"id": 1}, {"id": 2}, {"id": 3}, queue="orders")
    with pytest.raises(BatchFailedError) as info:
        app.handler(event, FakeContext())
    assert sorted(ran) == [0, 1, 2, 3]
    assert info.value.failed_ids == [m["messageID"] for m in event["messages"][1:3]]
    assert all(message_id in str(info.value) for message_id in info.value.failed_ids)


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


def test_lean_decoding_only_when_no_route_needs_the_message() -> None:
    payload_only = App()
    payload_only.sqs("orders")(lambda order: None)
    wants_message = App()

    @wants_message.sqs("orders")
    def step(order: Order, message: SQSMessage) -> None:
        assert message.attributes.sent_timestamp is not None  # a full message

    hooked = App()
    hooked.sqs("orders")(lambda order: None)
    hooked.after_batch(lambda batch: None)  # hooks see the items: full Structs

    event = sqs_event({"id": 1}, "bad json", queue="orders")
    results = [app.handler(event, FakeContext()) for app in (payload_only, wants_message, hooked)]
    assert payload_only._lean_kinds == {"sqs"}
    assert wants_message._lean_kinds == set() and hooked._lean_kinds == set()
    assert results[0] == results[1] == results[2]
    assert results[0] == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]
    }


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
