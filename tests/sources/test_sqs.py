from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources import sqs
from lambent.sources._base import epoch_ms
from tests import corpus
from tests.sources import _support


def _record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "messageId": "m-1",
        "receiptHandle": "rh",
        "body": '{"n": 1}',
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AID",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfBody": "x",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
        "awsRegion": "us-east-1",
    }
    record.update(overrides)
    return record


@pytest.mark.parametrize("row", _support.owned_rows("sqs"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert sqs.detect(raw)
    event = msgspec.convert(raw, sqs.SQSEvent)
    spec = sqs.SPEC
    items = spec.items(event)
    assert len(items) == len(raw["Records"])
    assert spec.raw_items is not None
    assert len(spec.raw_items(raw)) == len(items)
    for wire, message in zip(raw["Records"], items, strict=True):
        assert spec.item_id(message) == wire["messageId"]
        assert spec.route_key(event, message) == wire["eventSourceARN"]
        assert spec.payload is not None
        assert spec.payload(message) == wire["body"]
        assert message.receipt_handle == wire["receiptHandle"]
        assert message.sent_at == epoch_ms(wire["attributes"]["SentTimestamp"])
        assert message.queue_name == wire["eventSourceARN"].rsplit(":", 1)[1]
        group = wire["attributes"].get("MessageGroupId")
        assert spec.order_key is not None
        assert spec.order_key(message) == (group if message.is_fifo else None)
        assert set(message.message_attributes) == set(wire["messageAttributes"])
        assert msgspec.convert(wire, sqs.SQSMessage) == message


@pytest.mark.parametrize("row", _support.decline_rows("sqs"))
def test_other_events_are_not_sqs(row: corpus.Row | None) -> None:
    _support.assert_declines(sqs.detect, row)


def test_fifo_order_key_is_the_message_group() -> None:
    arn = "arn:aws:sqs:eu-west-1:123456789012:orders.fifo"
    attributes = {"MessageGroupId": "customer-7", "SequenceNumber": "1", "SentTimestamp": "1"}
    event = msgspec.convert(
        {
            "Records": [
                _record(eventSourceARN=arn, attributes=attributes),
                _record(messageId="m-2", eventSourceARN=arn, attributes={}),
            ]
        },
        sqs.SQSEvent,
    )
    first, second = event.records
    assert event.is_fifo
    assert first.is_fifo
    assert sqs.SPEC.order_key is not None
    assert sqs.SPEC.order_key(first) == "customer-7"
    assert sqs.SPEC.order_key(second) is None  # FIFO record without a group: independent
    assert first.attributes.sequence_number == "1"


def test_standard_queue_records_are_independent_even_with_a_group_attribute() -> None:
    message = msgspec.convert(_record(attributes={"MessageGroupId": "g"}), sqs.SQSMessage)
    assert not message.is_fifo
    assert sqs.SPEC.order_key is not None
    assert sqs.SPEC.order_key(message) is None


def test_timestamps_and_receive_count() -> None:
    message = msgspec.convert(_record(), sqs.SQSMessage)
    assert message.sent_at is not None
    assert message.sent_at.year == 2018
    assert message.first_received_at == epoch_ms(1545082649185)
    assert message.attributes.receive_count == 1
    assert msgspec.convert(_record(attributes={}), sqs.SQSMessage).sent_at is None


def test_message_attributes() -> None:
    wire = _record(
        messageAttributes={
            "n": {"dataType": "Number", "stringValue": "12"},
            "b": {"dataType": "Binary", "binaryValue": "AAE=", "binaryListValues": []},
        }
    )
    message = msgspec.convert(wire, sqs.SQSMessage)
    assert message.message_attributes["n"].string_value == "12"
    assert message.message_attributes["b"].binary_value == "AAE="


def test_record_without_message_id_fails_with_a_path() -> None:
    bad = _record()
    del bad["messageId"]
    with pytest.raises(msgspec.ValidationError, match=r"messageId.*\$\.Records\[1\]"):
        msgspec.convert({"Records": [_record(), bad]}, sqs.SQSEvent)
    # the raw items let the dispatcher fail that record alone
    assert sqs.SPEC.raw_items is not None
    raw_items = sqs.SPEC.raw_items({"Records": [_record(), bad]})
    msgspec.convert(raw_items[0], sqs.SQSMessage)
    with pytest.raises(msgspec.ValidationError, match="messageId"):
        msgspec.convert(raw_items[1], sqs.SQSMessage)


def test_detect_requires_sqs_event_source() -> None:
    assert sqs.detect({"Records": [_record()]})
    assert not sqs.detect({"Records": []})
    assert not sqs.detect({"Records": [_record(eventSource="aws:sns")]})
    assert not sqs.detect({"records": [_record()]})


def test_spec_shape() -> None:
    assert sqs.SPECS == (sqs.SPEC,)
    assert sqs.SPEC.kind == "sqs"
    assert sqs.SPEC.response == "batch"
    assert sqs.SPEC.payload_format == "json"
