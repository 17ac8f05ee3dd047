"""Decoding events (:mod:`lambent._events`): bad events, bad records failing alone, missing identifiers."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import msgspec
import pytest

from lambent import (
    App,
    DecodeError,
    EventDecodeError,
    sources,
)
from lambent._events import decode_event
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.testing import (
    Change,
    FakeContext,
    appsync_batch_event,
    cloudformation_event,
    cloudwatch_logs_event,
    dynamodb_event,
    eventbridge_event,
    firehose_event,
    kafka_event,
    kinesis_event,
    mq_event,
    s3_batch_event,
    s3_event,
    ses_event,
    sns_event,
    sqs_event,
)


class Order(msgspec.Struct):
    id: int
    qty: int = 1


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
    with pytest.raises(EventDecodeError, match="no identifier") as info:
        app.handler(event, FakeContext())
    # the record named by its place in the event, as msgspec names a field
    assert info.value.path == "$.Records[1]"
    assert "Object missing required field `messageId` (at $.Records[1])" in str(info.value)


def _logs_with(event: dict[str, Any], at: int, value: Any) -> dict[str, Any]:
    """``event`` with log event ``at`` of its compressed document replaced by ``value``."""
    document = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    document["logEvents"][at] = value
    data = base64.b64encode(gzip.compress(json.dumps(document).encode())).decode()
    return {"awslogs": {"data": data}}


def _kafka_two_partitions() -> dict[str, Any]:
    event = kafka_event({"n": 0}, partition=0)
    event["records"].update(kafka_event({"n": 1}, {"n": 2}, partition=1, offset=7)["records"])
    return event


def _swap(container: Any, key: Any, value: Any) -> None:
    container[key] = value


#: every source whose records can fail the event for want of an identifier: an event of
#: it, how to replace its record number 2 (index 1 or 2) by ``5``, and where that is
BATCHES: list[tuple[str, Any, Any, str]] = [
    ("sqs", lambda: sqs_event(1, 2), lambda e: _swap(e["Records"], 1, 5), "$.Records[1]"),
    ("sns", lambda: sns_event(1, 2), lambda e: _swap(e["Records"], 1, 5), "$.Records[1]"),
    (
        "kinesis-stream",
        lambda: kinesis_event(1, 2),
        lambda e: _swap(e["Records"], 1, 5),
        "$.Records[1]",
    ),
    (
        "dynamodb-stream",
        lambda: dynamodb_event(Change.insert({"id": 1}), Change.insert({"id": 2})),
        lambda e: _swap(e["Records"], 1, 5),
        "$.Records[1]",
    ),
    ("s3", lambda: s3_event("a", "b"), lambda e: _swap(e["Records"], 1, 5), "$.Records[1]"),
    (
        "ses",
        lambda: {"Records": ses_event()["Records"] * 2},
        lambda e: _swap(e["Records"], 1, 5),
        "$.Records[1]",
    ),
    ("firehose", lambda: firehose_event(1, 2), lambda e: _swap(e["records"], 1, 5), "$.records[1]"),
    (
        "kafka",
        _kafka_two_partitions,
        lambda e: _swap(e["records"]["orders-1"], 1, 5),  # the batch's third record
        '$.records["orders-1"][1]',
    ),
    ("mq", lambda: mq_event(1, 2), lambda e: _swap(e["messages"], 1, 5), "$.messages[1]"),
    (
        "mq",
        lambda: mq_event(1, 2, engine="rabbitmq"),
        lambda e: _swap(e["rmqMessagesByQueue"]["orders::/"], 1, 5),
        '$.rmqMessagesByQueue["orders::/"][1]',
    ),
    (
        "s3-batch",
        lambda: s3_batch_event("a", "b", schema="2.0"),
        lambda e: _swap(e["tasks"], 1, 5),
        "$.tasks[1]",
    ),
    (
        "cloudwatch-logs",
        lambda: cloudwatch_logs_event("a", "b"),
        lambda e: e.update(_logs_with(e, 1, 5)),
        "$.awslogs.data.logEvents[1]",
    ),
]


@pytest.mark.parametrize(("kind", "make", "spoil", "where"), BATCHES)
def test_a_record_without_identifier_is_named_by_its_place_in_the_event(
    kind: str, make: Any, spoil: Any, where: str
) -> None:
    """A record with no identifier fails the event, named as decode errors name paths:
    ``$.Records[1]``, not ``$[1]`` (the list's own name, in the event as it came)."""
    event = make()
    spoil(event)
    spec = sources.spec_for(event)
    assert spec is not None and spec.kind == kind
    with pytest.raises(EventDecodeError, match="has no identifier to report it by") as info:
        decode_event(spec, event)
    assert info.value.path == where
    assert str(info.value).endswith(f"Expected `object`, got `int` (at {where})")


def test_an_array_events_elements_decode_one_by_one() -> None:
    """An ``array`` source's event (AppSync ``BatchInvoke``): a bad element fails alone,
    named by its source's ``raw_id``, and the decoded event is the list of elements."""
    event = appsync_batch_event({"id": 1}, {"id": 2}, {"id": 3})
    event[1] = {**event[1], "source": "not an object"}
    spec = sources.spec_for(event)
    assert spec is not None and spec.array
    ev, batch = decode_event(spec, event)
    assert ev == batch.items
    assert [item is None for item in batch.items] == [False, True, False]
    assert sorted(batch.errors) == [1]  # the others are still to run
    error = batch.errors[1]
    assert isinstance(error, DecodeError) and error.path == "$.source"
    assert batch.ids[1] == "Post.author"


def test_a_single_object_event_read_as_its_item_names_its_field_not_a_record() -> None:
    """A custom resource request is its own one item: when it cannot even be answered (a
    non-string ``StackId``), the event fails naming ``$.StackId`` as any single event's
    bad field is named (EventBridge's ``$.resources`` above), with no record index."""
    app = App()
    app.custom_resource("Custom::Thing")(lambda props: None)
    bad = cloudformation_event(resource_type="Custom::Thing")
    bad["StackId"] = 5
    with pytest.raises(EventDecodeError) as info:
        app.handler(bad, FakeContext())
    assert info.value.path == "$.StackId"
    assert str(info.value) == (
        "event: not a valid cloudformation event: Expected `str`, got `int` (at $.StackId)"
    )

    other = App()
    other.eventbridge()(lambda: None)
    event = eventbridge_event({})
    event["time"] = 5
    with pytest.raises(EventDecodeError) as same:
        other.handler(event, FakeContext())
    assert str(same.value) == (
        "event: not a valid eventbridge event: Expected `str`, got `int` (at $.time)"
    )


def test_every_batch_source_says_where_its_records_are() -> None:
    """A new batch source without ``raw_where`` would name its records ``$[i]`` again:
    only sources whose event is the list of its items (AppSync's ``BatchInvoke``) or its
    one item (a custom resource request) go without, and each other one is tried above."""
    specs = sources.specs()
    without = {s.kind for s in specs if s.raw_items is not None and s.raw_where is None}
    assert without == {"appsync", "cloudformation"}
    assert {s.kind for s in specs if s.raw_where is not None} == {kind for kind, *_ in BATCHES}
