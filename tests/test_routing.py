"""Routing a batch (:mod:`lambent._routing`): envelopes (S3 in SQS, SNS, EventBridge), the schedule fallback, routing errors."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import msgspec
import pytest

from lambent import (
    App,
    BatchFailedError,
    DecodeError,
    RoutingError,
)
from lambent._fast import general_path
from lambent._routes import OnDecodeError
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.s3 import S3Record
from lambent.testing import (
    FakeContext,
    eventbridge_event,
    kinesis_event,
    s3_event,
    schedule_event,
    sns_event,
    sqs_event,
)


class Order(msgspec.Struct):
    id: int
    qty: int = 1


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


def _decode_choices(app: App, first: OnDecodeError, second: OnDecodeError, ran: list[Any]) -> None:
    """Two SQS routes (queues ``orders`` and ``other``) with these ``on_decode_error``s."""

    @app.sqs("orders", on_decode_error=first)
    def on_order(order: Order) -> None:
        ran.append(order.id)

    @app.sqs("other", on_decode_error=second)
    def on_other(order: Order) -> None:
        ran.append(order.id)


@pytest.mark.parametrize(("first", "second"), [("drop", "fail"), ("fail", "drop")])
def test_a_record_whose_own_fields_do_not_decode_follows_its_routes_choice(
    first: OnDecodeError, second: OnDecodeError
) -> None:
    """An SQS record whose body is not a string does not decode: its queue's route
    (read from the raw record) says whether it is dropped or reported, as when only its
    body does not decode into the handler's type; the general path answers the same."""
    event = sqs_event({"id": 1}, {"id": 2}, {"id": 3}, queue="orders", seed=5)
    event["Records"][1]["body"] = 7
    answers = []
    for general in (False, True):
        ran: list[Any] = []
        app = App()
        _decode_choices(app, first, second, ran)
        with general_path() if general else contextlib.nullcontext():
            answers.append((app.handler(event, FakeContext()), ran))
    assert answers[0] == answers[1]
    failed = [] if first == "drop" else [{"itemIdentifier": event["Records"][1]["messageId"]}]
    assert answers[0] == ({"batchItemFailures": failed}, [1, 3])


@pytest.mark.parametrize(("first", "second"), [("drop", "drop"), ("drop", "fail")])
def test_a_record_without_a_readable_route_is_dropped_only_when_every_route_drops(
    first: OnDecodeError, second: OnDecodeError
) -> None:
    """A Kinesis record whose fields do not decode: no raw view reads its stream, so it is
    dropped only when every Kinesis route would drop it. Its partition key unknown, the
    records after it wait while it fails; dropped, it is done and they run."""
    app = App()
    ran: list[Any] = []
    for stream, choice in (("orders", first), ("other", second)):

        def on_data(data: Order) -> None:
            ran.append(data.id)

        app.kinesis(stream, on_decode_error=choice)(on_data)
    event = kinesis_event({"id": 1}, {"id": 2}, stream="orders", seed=5)
    event["Records"][0]["kinesis"]["partitionKey"] = 7
    out = app.handler(event, FakeContext())
    if second == "drop":
        assert out == {"batchItemFailures": []} and ran == [2]
    else:
        numbers = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
        assert out == {"batchItemFailures": [{"itemIdentifier": n} for n in numbers]}
        assert ran == []


def _s3_routes(app: App, choices: dict[str, OnDecodeError]) -> list[str]:
    """S3 routes of these buckets and ``on_decode_error``s; the keys they are given."""
    keys: list[str] = []
    for bucket, choice in choices.items():

        def on_object(record: S3Record) -> None:
            keys.append(record.key)

        app.s3(bucket, on_decode_error=choice)(on_object)
    return keys


def _bad_notification() -> dict[str, Any]:
    bad = s3_event("a.jpg", bucket="photos")
    bad["Records"][0]["s3"]["bucket"] = 5
    return bad


@pytest.mark.parametrize(("first", "second"), [("drop", "drop"), ("drop", "fail")])
def test_an_s3_notification_that_does_not_decode_in_sqs_is_dropped_when_s3_routes_say(
    first: OnDecodeError, second: OnDecodeError, lambda_logs: Any
) -> None:
    """Inside an SQS record, an S3 notification that does not decode fails its record with
    a DecodeError naming the record and the field, or is dropped when every S3 route says
    ``on_decode_error="drop"`` (its bucket cannot be read to choose one)."""
    app = App()
    keys = _s3_routes(app, {"photos": first, "docs": second})
    event = sqs_event(s3_event("b.jpg", bucket="photos"), _bad_notification(), queue="q")
    bad_id = event["Records"][1]["messageId"]
    out = app.handler(event, FakeContext())
    assert keys == ["b.jpg"]
    if second == "drop":
        assert out == {"batchItemFailures": []}
        return
    assert out == {"batchItemFailures": [{"itemIdentifier": bad_id}]}
    line = next(x for x in lambda_logs() if x["event"] == "record failed")
    assert line["record_id"] == bad_id and line["path"] == "$.Records[0].s3.bucket"
    assert line["error"].startswith(f"DecodeError: record '{bad_id}': Expected `object`")


@pytest.mark.parametrize("choice", ["drop", "fail"])
def test_an_s3_notification_that_does_not_decode_in_sns_fails_with_a_decode_error(
    choice: OnDecodeError,
) -> None:
    app = App()
    _s3_routes(app, {"photos": choice})
    event = sns_event(json.dumps(_bad_notification()), topic="t")
    if choice == "drop":
        assert app.handler(event, FakeContext()) is None
        return
    with pytest.raises(DecodeError) as info:
        app.handler(event, FakeContext())
    assert info.value.path == "$.Records[0].s3.bucket"
    assert info.value.record_id == event["Records"][0]["Sns"]["MessageId"]


@pytest.mark.parametrize("choice", ["drop", "fail"])
def test_an_undecodable_direct_s3_record_fails_alone_or_is_dropped(choice: OnDecodeError) -> None:
    """A direct S3 notification's record that does not decode is named by its request id
    and sequencer (as when it decodes) and fails alone, or is dropped by the S3 routes'
    choice; the other record runs either way."""
    app = App()
    keys = _s3_routes(app, {"photos": choice})
    event = s3_event("b.jpg", bucket="photos")
    event["Records"].append(_bad_notification()["Records"][0])
    bad = event["Records"][1]
    bad_id = f"{bad['responseElements']['x-amz-request-id']}:{bad['s3']['object']['sequencer']}"
    if choice == "drop":
        assert app.handler(event, FakeContext()) is None
    else:
        with pytest.raises(BatchFailedError) as info:
            app.handler(event, FakeContext())
        assert info.value.failed_ids == [bad_id]
    assert keys == ["b.jpg"]
