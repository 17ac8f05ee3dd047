"""Routing a batch (:mod:`lambent._routing`): envelopes (S3 in SQS, SNS, EventBridge), the schedule fallback, routing errors."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from lambent import (
    App,
    RoutingError,
)
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.s3 import S3Record
from lambent.testing import (
    FakeContext,
    eventbridge_event,
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
