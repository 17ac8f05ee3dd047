"""Decoding events (:mod:`lambent._events`): bad events, bad records failing alone, missing identifiers."""

from __future__ import annotations

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
    FakeContext,
    appsync_batch_event,
    cloudformation_event,
    eventbridge_event,
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
    with pytest.raises(EventDecodeError, match="no identifier"):
        app.handler(event, FakeContext())


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
