"""Non-batch sources end to end, envelopes, direct invocations, and the documented errors."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal, TypedDict

import msgspec
import pytest
import structlog

from lambent import (
    App,
    BatchFailedError,
    DeadlineExceeded,
    DecodeError,
    EventDecodeError,
    HandlerError,
    LambdaContext,
    LambentError,
    Logger,
    RoutingError,
)
from lambent.sources.cloudwatch_logs import LogEvent
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.s3 import S3Record
from lambent.sources.ses import SESRecord
from lambent.sources.sns import SNSRecord
from lambent.testing import (
    Change,
    FakeContext,
    cloudwatch_logs_event,
    dynamodb_event,
    eventbridge_event,
    s3_event,
    schedule_event,
    ses_event,
    sns_event,
    sqs_event,
)


class Order(msgspec.Struct):
    id: int
    qty: int = 1


class OrderDict(TypedDict):
    id: int


@pytest.fixture
def lambda_logs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run as inside Lambda with structlog unconfigured; returns a reader of JSON log lines."""
    structlog.reset_defaults()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")

    def read() -> list[dict[str, Any]]:
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    return read


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


@pytest.mark.parametrize("envelope", ["sqs", "sns", "sqs+sns"])
def test_s3_inside_envelopes_reaches_s3_handlers(envelope: str) -> None:
    app = App()
    keys: list[str] = []

    @app.s3("uploads")
    async def on_upload(record: S3Record) -> None:
        keys.append(record.key)

    inner = s3_event("a b.txt", bucket="uploads")
    if envelope == "sqs":
        event = sqs_event(inner, queue="upload-events")
    elif envelope == "sns":
        event = sns_event(json.dumps(inner), topic="uploads-topic")
    else:
        sns_body = sns_event(json.dumps(inner))["Records"][0]["Sns"]
        event = sqs_event({**sns_body, "UnsubscribeURL": "x"}, queue="q")
    result = app.handler(event, FakeContext())
    assert keys == ["a b.txt"]
    if envelope.startswith("sqs"):
        assert result == {"batchItemFailures": []}


def test_s3_handler_failure_inside_sqs_is_a_partial_failure() -> None:
    app = App()

    @app.s3("uploads")
    def on_upload(record: S3Record) -> None:
        if record.key == "bad":
            raise ValueError("poison")

    event = sqs_event(
        s3_event("ok", bucket="uploads"), s3_event("bad", bucket="uploads"), queue="q"
    )
    result = app.handler(event, FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


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


def test_schedule_routes_by_rule_and_falls_back_to_eventbridge() -> None:
    app = App()
    ran: list[str] = []

    @app.schedule("nightly-*")
    def nightly(event: EventBridgeEvent) -> None:
        ran.append("nightly")

    @app.eventbridge(source="aws.events")
    def other_schedules(event: EventBridgeEvent) -> None:
        ran.append("eventbridge")

    app.handler(schedule_event(rule="nightly-report"), FakeContext())
    app.handler(schedule_event(rule="hourly"), FakeContext())
    assert ran == ["nightly", "eventbridge"]


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


class Resize(msgspec.Struct, tag_field="kind", tag="resize"):
    width: int


class Crop(msgspec.Struct, tag_field="kind", tag="crop"):
    box: list[int]


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


def test_direct_invoke_by_discriminator_and_by_type() -> None:
    app = App()

    @app.invoke("ping")
    def ping(payload: dict[str, Any]) -> str:
        return "pong"

    @app.invoke()
    def resize(job: Resize, context: LambdaContext) -> dict[str, Any]:
        return {"width": job.width * 2, "request": context.aws_request_id}

    @app.invoke()
    def crop(job: Crop) -> list[int]:
        return job.box

    ctx = FakeContext(aws_request_id="req-1")
    assert app.handler({"action": "ping"}, ctx) == "pong"
    assert app.handler({"kind": "resize", "width": 2}, ctx) == {"width": 4, "request": "req-1"}
    assert app.handler({"kind": "crop", "box": [1, 2]}, ctx) == [1, 2]
    with pytest.raises(RoutingError) as info:
        app.handler({"kind": "rotate"}, ctx)
    assert info.value.source == "direct"


def test_local_annotation_types_get_a_clear_registration_error() -> None:
    from lambent import ConfigurationError

    class Local(msgspec.Struct):
        x: int

    app = App()
    with pytest.raises(ConfigurationError, match="module level"):

        @app.invoke()
        def job(value: Local) -> None: ...


def test_single_typed_invoke_route_reports_the_bad_field() -> None:
    app = App()

    @app.invoke()
    def job(order: Order) -> int:
        return order.id

    with pytest.raises(DecodeError) as info:
        app.handler({"id": "seven"}, FakeContext())
    assert info.value.path == "$.id"


def test_handler_exception_fails_an_async_source_and_logs_the_request_id(lambda_logs: Any) -> None:
    app = App()

    @app.sns("t")
    def boom(message: str) -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        app.handler(sns_event("x", topic="t"), FakeContext(aws_request_id="req-42"))
    logs = lambda_logs()
    failed = [line for line in logs if line["event"] == "record failed"]
    assert failed and failed[0]["aws_request_id"] == "req-42"
    assert failed[0]["function_name"] == "test-function"
    assert failed[0]["source"] == "sns" and failed[0]["level"] == "error"
    assert "KeyError" in failed[0]["error"]


def test_multiple_failures_in_an_async_batch_name_every_record() -> None:
    app = App()

    @app.s3("b")
    def fail(record: S3Record) -> None:
        raise ValueError(record.key)

    with pytest.raises(BatchFailedError) as info:
        app.handler(s3_event("x", "y", bucket="b"), FakeContext())
    assert len(info.value.failed_ids) == 2


def test_undecodable_payload_names_record_and_field(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order) -> None: ...

    event = sqs_event({"id": "x"}, queue="orders")
    result = app.handler(event, FakeContext(aws_request_id="req-7"))
    message_id = event["Records"][0]["messageId"]
    assert result == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    failed = [line for line in lambda_logs() if line["event"] == "record failed"]
    assert failed[0]["record_id"] == message_id
    assert failed[0]["path"] == "$.id"
    assert failed[0]["aws_request_id"] == "req-7"


def test_no_route_raises_routing_error_naming_the_source(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order) -> None: ...

    with pytest.raises(RoutingError) as info:
        app.handler(sqs_event({"id": 1}, queue="payments"), FakeContext(aws_request_id="req-9"))
    assert info.value.source == "sqs"
    assert "payments" in str(info.value)
    failed = [line for line in lambda_logs() if line["event"] == "invocation failed"]
    assert failed[0]["aws_request_id"] == "req-9"
    assert failed[0]["error_type"] == "RoutingError"


def test_a_bad_event_fails_with_an_actionable_message() -> None:
    app = App()

    @app.eventbridge()
    def any_event(event: EventBridgeEvent) -> None: ...

    bad = eventbridge_event({})
    bad["resources"] = "not-a-list"
    with pytest.raises(EventDecodeError) as info:
        app.handler(bad, FakeContext())
    assert info.value.path == "$.resources"


def test_undecodable_record_fails_alone() -> None:
    app = App()
    ran: list[str] = []

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        ran.append(str(order.id))

    event = sqs_event({"id": 1}, {"id": 2}, queue="orders")
    del event["Records"][1]["body"]
    result = app.handler(event, FakeContext())
    assert ran == ["1"]
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_record_without_identifier_fails_the_whole_invocation() -> None:
    app = App()
    app.sqs("orders")(lambda order: None)
    event = sqs_event({"id": 1}, {"id": 2}, queue="orders")
    del event["Records"][1]["messageId"]
    with pytest.raises(EventDecodeError, match="no identifier"):
        app.handler(event, FakeContext())


def test_injected_logger_is_bound_to_the_record(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order, log: Logger) -> None:
        log.info("processing", order=order.id)

    event = sqs_event({"id": 5}, queue="orders")
    app.handler(event, FakeContext(aws_request_id="req-1"))
    line = next(x for x in lambda_logs() if x["event"] == "processing")
    assert line["record_id"] == event["Records"][0]["messageId"]
    assert line["aws_request_id"] == "req-1" and line["order"] == 5
    assert "timestamp" in line and line["cold_start"] is True


def test_user_structlog_configuration_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    app = App()

    @app.sqs("orders")
    def on_order(order: Order, log: Logger) -> None:
        log.info("mine")

    with structlog.testing.capture_logs() as captured:
        app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert any(entry["event"] == "mine" for entry in captured)


def test_lifespan_is_entered_once_per_container() -> None:
    from contextlib import asynccontextmanager

    entered: list[int] = []

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        entered.append(1)
        app.state.client = object()
        yield

    app = App(lifespan=lifespan)
    clients: list[object] = []

    @app.sqs("orders")
    async def on_order(order: Order) -> None:
        clients.append(app.state.client)

    for _ in range(3):
        app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert entered == [1]
    assert clients[0] is clients[1] is clients[2]


async def test_dispatch_in_async_code_and_handler_refuses_a_running_loop() -> None:
    from lambent import ConfigurationError

    app = App()

    @app.invoke("x")
    async def job(payload: dict[str, Any]) -> int:
        return 1

    assert await app.dispatch({"action": "x"}, FakeContext()) == 1
    with pytest.raises(ConfigurationError, match=r"await app\.dispatch"):
        app.handler({"action": "x"}, FakeContext())


async def test_a_plain_app_may_be_called_from_async_code() -> None:
    app = App()
    app.invoke("x")(lambda payload: 1)
    assert app.handler({"action": "x"}, FakeContext()) == 1


def test_a_plain_app_runs_without_an_event_loop() -> None:
    import asyncio

    app = App()
    loops: list[bool] = []

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)

    assert app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext()) == {
        "batchItemFailures": []
    }
    assert loops == [False]
    assert app._loop_free is True


def test_one_async_handler_puts_every_invocation_on_the_loop() -> None:
    import asyncio

    app = App()
    loops: list[bool] = []

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        loops.append(asyncio.get_running_loop() is not None)

    @app.sns("alerts")
    async def on_alert(message: str) -> None: ...

    app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert loops == [True]
    assert app._loop_free is False


def test_a_lifespan_or_async_hook_needs_the_loop() -> None:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        yield

    with_lifespan = App(lifespan=lifespan)
    with_lifespan.sqs("orders")(lambda order: None)
    with_lifespan.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert with_lifespan._loop_free is False

    hooked = App()
    hooked.sqs("orders")(lambda order: None)

    async def after(batch: Any) -> None: ...

    hooked.after_batch(after)
    hooked.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert hooked._loop_free is False


def test_failure_logs_carry_the_traceback_but_no_frame_locals(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        secret = "card-4111-1111"  # a local a traceback renderer could copy into the logs
        raise ValueError(f"declined {len(secret)}")

    app.handler(sqs_event({"id": 1, "note": "customer-note"}, queue="orders"), FakeContext())
    out = json.dumps(lambda_logs())
    assert "declined" in out and "on_order" in out  # the error and its frames are there
    assert "card-4111-1111" not in out
    assert "customer-note" not in out


_request_scope: Any = None


def test_contextvars_set_in_the_lifespan_persist_across_invocations() -> None:
    import contextvars
    from contextlib import asynccontextmanager

    global _request_scope
    _request_scope = contextvars.ContextVar("tenant", default="unset")

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        _request_scope.set("tenant-a")
        yield

    app = App(lifespan=lifespan)
    seen: list[str] = []

    @app.sqs("orders")
    async def on_order(order: Order) -> None:
        seen.append(_request_scope.get())

    for _ in range(2):
        app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert seen == ["tenant-a", "tenant-a"]


def test_repeated_failures_carry_one_traceback(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        if order.id != 2:
            raise ValueError(f"order {order.id} declined")
        raise KeyError("other site")

    event = sqs_event({"id": 1}, {"id": 2}, {"id": 3}, queue="orders")
    app.handler(event, FakeContext())
    failed = [line for line in lambda_logs() if line["event"] == "record failed"]
    ids = [r["messageId"] for r in event["Records"]]
    assert [line["record_id"] for line in failed] == ids
    assert [line["error"] for line in failed] == [
        "ValueError: order 1 declined",
        "KeyError: 'other site'",
        "ValueError: order 3 declined",
    ]
    assert "exception" in failed[0] and "exception" in failed[1]
    assert "exception" not in failed[2] and failed[2]["traceback_as"] == ids[0]


def test_s3_through_eventbridge_reaches_s3_handlers() -> None:
    app = App()
    seen: list[tuple[str, str, str]] = []

    @app.s3("uploads", prefix="in/", events=["ObjectCreated:*"])
    def on_upload(record: S3Record) -> None:
        seen.append((record.bucket_name, record.key, record.event_name))

    event = eventbridge_event(
        {
            "version": "0",
            "bucket": {"name": "uploads"},
            "object": {"key": "in/red flower.jpg", "size": 5, "etag": "abc", "sequencer": "01"},
            "request-id": "R1",
            "requester": "123456789012",
            "reason": "PutObject",
        },
        source="aws.s3",
        detail_type="Object Created",
        resources=["arn:aws:s3:::uploads"],
    )
    assert app.handler(event, FakeContext()) is None
    assert seen == [("uploads", "in/red flower.jpg", "ObjectCreated:Put")]


def test_an_eventbridge_route_wins_over_the_s3_envelope() -> None:
    app = App()
    got: list[str] = []

    @app.s3("uploads")
    def on_upload(record: S3Record) -> None:
        got.append("s3")

    @app.eventbridge(source="aws.s3")
    def on_event(event: EventBridgeEvent) -> None:
        got.append("eventbridge")

    app.handler(eventbridge_event({"bucket": {"name": "uploads"}}, source="aws.s3"), FakeContext())
    assert got == ["eventbridge"]


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


def test_a_direct_handler_raising_a_base_exception_fails_with_a_handler_error() -> None:
    app = App()

    @app.invoke("stop")
    def stop(event: dict[str, Any]) -> None:
        raise SystemExit(2)

    @app.invoke("odd")
    def odd(event: dict[str, Any]) -> None:
        raise Unprintable()

    with structlog.testing.capture_logs() as logs:
        with pytest.raises(HandlerError, match=r"stop: raised SystemExit: 2") as info:
            app.handler({"action": "stop"}, FakeContext())
        with pytest.raises(Unprintable):
            app.handler({"action": "odd"}, FakeContext())
    assert isinstance(info.value.__cause__, SystemExit)
    errors = [e["error"] for e in logs if e["event"] == "invocation failed" and "handler" in e]
    assert errors == ["SystemExit: 2", "Unprintable: <str() failed>"]


def test_a_single_event_result_that_cannot_be_json_is_a_handler_error() -> None:
    app = App()

    @app.invoke("odd")
    def odd(event: dict[str, Any]) -> object:
        return object()

    @app.invoke("order")
    def order(event: dict[str, Any]) -> Order:
        return Order(id=7, qty=2)

    @app.eventbridge(source="shop")
    def placed(detail: dict[str, Any]) -> object:
        return {1j: "complex key"}

    with pytest.raises(HandlerError, match=r"odd: returned a value that cannot be sent as JSON"):
        app.handler({"action": "odd"}, FakeContext())
    # what the Lambda runtime can serialise: a Struct as its JSON object
    assert app.handler({"action": "order"}, FakeContext()) == {"id": 7, "qty": 2}
    with pytest.raises(HandlerError, match=r"placed: returned a value"):
        app.handler(eventbridge_event({}, source="shop"), FakeContext())


@pytest.mark.parametrize(
    "event",
    [
        {"Records": []},
        {"invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:::x", "records": []},
    ],
)
def test_an_empty_batch_is_a_clear_error(event: dict[str, Any]) -> None:
    app = App()

    @app.sqs()
    def handle(body: str) -> None:
        pass

    with pytest.raises(RoutingError, match="empty batch"):
        app.handler(event, FakeContext())


def test_a_direct_invocation_without_time_left_is_a_lambent_deadline_error() -> None:
    app = App()

    @app.invoke("work")
    def work(event: dict[str, Any]) -> None:
        raise AssertionError("not started: no time left")

    with pytest.raises(DeadlineExceeded) as info:
        app.handler({"action": "work"}, FakeContext(timeout=0.1))
    assert isinstance(info.value, LambentError)
