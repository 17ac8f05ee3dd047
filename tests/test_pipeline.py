"""The pipeline end to end (:mod:`lambent._pipeline`): every non-HTTP source, corpus batches,
hooks, lean decoding."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal, TypedDict

import anyio
import msgspec
import pytest
from structlog.testing import capture_logs

from lambent import (
    App,
    BatchFailedError,
    BatchInfo,
    HandlerError,
    detect,
)
from lambent.idempotency import MemoryStore
from lambent.sources.cloudwatch_logs import LogEvent
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.s3 import S3Record
from lambent.sources.ses import SESRecord
from lambent.sources.sns import SNSRecord
from lambent.sources.sqs import SQSMessage
from lambent.testing import (
    Change,
    FakeContext,
    cloudwatch_logs_event,
    dynamodb_event,
    eventbridge_event,
    s3_event,
    ses_event,
    sns_event,
    sqs_event,
)
from tests import corpus


class Order(msgspec.Struct):
    id: int
    qty: int = 1


class OrderDict(TypedDict):
    id: int


def test_s3_keys_are_decoded_and_filters_apply() -> None:
    app = App()
    seen: list[tuple[str, str, str]] = []

    @app.s3("uploads", prefix="images/", suffix=".jpg", events=["ObjectCreated:*"])
    def on_image(record: S3Record) -> None:
        seen.append((record.bucket_name, record.key, record.event_name))

    @app.s3("uploads")
    def anything_else(record: S3Record) -> None:
        seen.append(("other", record.key, record.event_name))

    app.handler(s3_event("images/red flower+1.jpg", bucket="uploads"), FakeContext())
    app.handler(
        s3_event("docs/a.txt", bucket="uploads", event_name="ObjectRemoved:Delete"), FakeContext()
    )
    assert seen == [
        ("uploads", "images/red flower+1.jpg", "ObjectCreated:Put"),
        ("other", "docs/a.txt", "ObjectRemoved:Delete"),
    ]


def test_sns_message_decodes_into_a_type() -> None:
    app = App()
    got: list[Any] = []

    @app.sns("orders")
    def on_order(order: OrderDict, record: SNSRecord) -> None:
        got.append((order, record.sns.topic_arn))

    app.handler(sns_event({"id": 3}, topic="orders"), FakeContext())
    assert got[0][0] == {"id": 3}
    assert got[0][1].endswith(":orders")


def test_eventbridge_detail_and_return_value() -> None:
    app = App()

    @app.eventbridge(source="shop.*", detail_type="OrderPlaced")
    def placed(order: Order, event: EventBridgeEvent) -> dict[str, Any]:
        return {"order": order.id, "source": event.source}

    result = app.handler(
        eventbridge_event({"id": 9}, source="shop.web", detail_type="OrderPlaced"), FakeContext()
    )
    assert result == {"order": 9, "source": "shop.web"}


def test_cloudwatch_logs_each_event() -> None:
    app = App()
    lines: list[tuple[str, str]] = []

    @app.logs("/aws/lambda/*")
    def on_line(line: str, event: LogEvent) -> None:
        lines.append((line, event.log_group))

    app.handler(cloudwatch_logs_event("one", "two", group="/aws/lambda/fn"), FakeContext())
    assert lines == [("one", "/aws/lambda/fn"), ("two", "/aws/lambda/fn")]


def test_ses_sync_disposition() -> None:
    app = App()

    @app.ses("example.com")
    def on_mail(record: SESRecord) -> Literal["STOP_RULE"]:
        return "STOP_RULE"

    sync = ses_event(recipients=["a@example.com"], invocation_type="RequestResponse")
    assert app.handler(sync, FakeContext()) == {"disposition": "STOP_RULE"}


class Item(msgspec.Struct):
    id: int
    price: Decimal


def test_dynamodb_images_as_types_without_float_rounding() -> None:
    app = App()
    got: list[Any] = []

    @app.dynamodb("orders")
    def on_change(new: Item | None, old: Item | None) -> None:
        got.append((new, old))

    big = 12345678901234567890123456789012345678
    event = dynamodb_event(
        Change.modify({"id": big, "price": Decimal("0.1")}, {"id": big, "price": Decimal("9.99")})
    )
    assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    new, old = got[0]
    assert new.id == big and new.price == Decimal("9.99") and old.price == Decimal("0.1")


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

    registers: dict[str, Callable[[], Callable[[Callable[..., Any]], object]]] = {
        "sqs": app.sqs,
        "kinesis-stream": app.kinesis,
        "dynamodb-stream": app.dynamodb,
        "kafka": app.kafka,
        "firehose": app.firehose,
        "mq": app.mq,
    }
    registers[kind]()(_annotate_item(handler, kind))


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


def test_a_thousand_io_bound_records_run_concurrently() -> None:
    app = App(concurrency=100)

    @app.sqs("orders")
    async def wait(order: Order) -> None:
        await anyio.sleep(0.01)

    event = sqs_event(*[{"id": i} for i in range(1000)], queue="orders")
    begin = time.monotonic()
    assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert time.monotonic() - begin < 1.0


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


class _Halt(BaseException):
    pass


@pytest.mark.parametrize(
    "raised", [RuntimeError("broke"), _Halt("halt")], ids=["Exception", "BaseException"]
)
def test_a_before_batch_hook_that_raises_fails_the_invocation_before_any_record_runs(
    raised: BaseException,
) -> None:
    """Nothing has run and nothing is claimed in the idempotency store: Lambda delivers
    the batch again, and once the hook is fixed every record runs."""
    app = App(idempotency=MemoryStore())
    ran: list[int] = []
    broken = [True]

    @app.before_batch
    def before(batch: BatchInfo) -> None:
        if broken[0]:
            raise raised

    @app.sqs("orders", idempotent=True)
    def step(order: Order) -> None:
        ran.append(order.id)

    event = sqs_event({"id": 1}, {"id": 2}, queue="orders")
    with capture_logs() as logs, pytest.raises(HandlerError) as info:
        app.handler(event, FakeContext())
    assert info.value.__cause__ is raised and ran == []
    assert info.value.handler.endswith("before")
    assert f"before_batch hook raised {type(raised).__name__}: " in str(info.value)
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["invocation failed"]
    broken[0] = False
    assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert ran == [1, 2]


@pytest.mark.parametrize(
    "raised", [RuntimeError("broke"), _Halt("halt")], ids=["Exception", "BaseException"]
)
def test_an_after_batch_hook_that_raises_is_logged_and_the_outcomes_stand(
    raised: BaseException,
) -> None:
    """The records ran: failing the invocation would run them all again."""
    app = App()

    @app.after_batch
    async def after(batch: BatchInfo) -> None:
        raise raised

    @app.sqs("orders")
    def step(order: Order) -> None:
        if order.id == 2:
            raise ValueError("x")

    event = sqs_event({"id": 1}, {"id": 2}, queue="orders")
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert out == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    [entry] = [e for e in logs if e["event"] == "after_batch hook failed"]
    assert entry["log_level"] == "error" and entry["hook"].endswith("after")
    assert entry["error"] == f"{type(raised).__name__}: {raised}"


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
    assert results[0] == results[1] == results[2]
    assert results[0] == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]
    }
    # what shows the lean decoding: a field only the full message has (its body's MD5)
    # of the wrong type fails the record only where something needs the full message
    broken = sqs_event({"id": 1}, queue="orders")
    broken["Records"][0]["md5OfBody"] = 5
    failed = {"batchItemFailures": [{"itemIdentifier": broken["Records"][0]["messageId"]}]}
    assert payload_only.handler(broken, FakeContext()) == {"batchItemFailures": []}
    assert wants_message.handler(broken, FakeContext()) == failed
    assert hooked.handler(broken, FakeContext()) == failed


@pytest.mark.parametrize("road", ["fast", "general"])
@pytest.mark.parametrize("given", ["event", "bytes"])
def test_failed_records_leave_no_reference_cycle(road: str, given: str) -> None:
    """A batch whose records fail (a handler raising, a body that does not decode) is
    freed as soon as the invocation ends: the errors' tracebacks hold the run loop's
    frames, which hold the batch, and that cycle would otherwise keep every record alive
    until the garbage collector runs."""
    import asyncio
    import contextlib
    import gc
    import json

    from lambent._fast import general_path

    class Order(msgspec.Struct):
        id: int

    def app() -> App:
        made = App()

        @made.sqs()
        def on_order(order: Order) -> None:
            if order.id % 3 == 0:
                raise ValueError(f"order {order.id}")

        return made

    event = sqs_event(*[{"id": i} if i % 4 else "not json" for i in range(30)], seed=2)
    with general_path() if road == "general" else contextlib.nullcontext():
        made = app()

        async def run() -> Any:
            if given == "bytes":
                return await made.dispatch_bytes(json.dumps(event).encode(), FakeContext())
            return await made.dispatch(event, FakeContext())

        with asyncio.Runner() as runner:
            runner.run(run())  # frozen, warm
            gc.collect()
            gc.disable()
            try:
                answer = runner.run(run())
                left = gc.collect()
            finally:
                gc.enable()
    assert len(answer["batchItemFailures"]) == 15
    assert left == 0
