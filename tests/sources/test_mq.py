from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest

from lambent import App, BatchFailedError, DecodeError
from lambent.sources import mq
from lambent.sources._base import epoch_ms
from lambent.testing import mq_event
from lambent.testing.events.messaging import MqEngine
from tests import corpus
from tests.sources import _support


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _active(**extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "messageID": "ID:1",
        "messageType": "jms/text-message",
        "data": _b64(b'{"n": 1}'),
        "destination": {"physicalName": "orders"},
        "timestamp": 1598827811958,
        "brokerInTime": 1598827811958,
        "brokerOutTime": 1598827811959,
        "properties": {"k": "v"},
    }
    message.update(extra)
    return message


def _rabbit(message_id: str | None = None) -> dict[str, Any]:
    return {
        "basicProperties": {
            "messageId": message_id,
            "headers": {"h": {"bytes": [104, 105]}, "n": 10},
        },
        "redelivered": False,
        "data": _b64(b'{"n": 2}'),
    }


@pytest.mark.parametrize("row", _support.owned_rows("mq"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    specs = [s for s in mq.SPECS if s.detect(raw)]
    assert len(specs) == 1
    assert mq.detect(raw)
    spec = specs[0]
    event = msgspec.convert(raw, spec.event_type)
    items = spec.items(event)
    assert spec.raw_items is not None
    raw_items = spec.raw_items(raw)
    assert [msgspec.convert(r, spec.item_type) for r in raw_items] == list(items)
    assert spec.payload is not None
    if spec is mq.ACTIVEMQ_SPEC:
        for wire, message in zip(raw["messages"], items, strict=True):
            assert spec.item_id(message) == wire["messageID"]
            destination = wire["destination"]
            name = destination.get("physicalName", destination.get("physicalname"))
            assert spec.route_key(event, message) == name
            assert spec.payload(message) == base64.b64decode(wire["data"])
            assert message.time == epoch_ms(wire["timestamp"])
    else:
        wires = [(k, m) for k, batch in raw["rmqMessagesByQueue"].items() for m in batch]
        assert len(items) == len(wires)
        for (key, wire), message in zip(wires, items, strict=True):
            assert spec.route_key(event, message) == key.split("::")[0]
            assert spec.payload(message) == base64.b64decode(wire["data"])
            wire_id = wire["basicProperties"].get("messageId")
            assert spec.item_id(message) == (wire_id or f"{key}#0")


@pytest.mark.parametrize("row", _support.decline_rows("mq"))
def test_other_events_are_not_mq(row: corpus.Row | None) -> None:
    _support.assert_declines(mq.detect, row)


@pytest.mark.parametrize("source", ["aws:mq", "aws:amq"])
def test_activemq_sources_and_lowercase_physicalname(source: str) -> None:
    raw = {
        "eventSource": source,
        "eventSourceArn": "arn:aws:mq:us-east-1:123456789012:broker:b:id",
        "messages": [_active(destination={"physicalname": "legacy"}), _active(messageID="ID:2")],
    }
    assert mq.detect_activemq(raw)
    assert not mq.detect_rabbitmq(raw)
    event = msgspec.convert(raw, mq.ActiveMQEvent)
    first, second = mq.ACTIVEMQ_SPEC.items(event)
    assert mq.ACTIVEMQ_SPEC.route_key(event, first) == "legacy"
    assert mq.ACTIVEMQ_SPEC.route_key(event, second) == "orders"
    assert first.data_bytes == b'{"n": 1}'
    assert first.broker_out_at == epoch_ms(1598827811959)


def test_activemq_correlation_id_spellings() -> None:
    both = msgspec.convert(_active(correlationID="upper"), mq.ActiveMQMessage)
    assert both.correlation_id_upper == "upper"
    assert both.correlation_id is None


def test_rabbitmq_queue_vhost_and_positional_ids() -> None:
    raw = {
        "eventSource": "aws:rmq",
        "rmqMessagesByQueue": {
            "pizza::/": [_rabbit(), _rabbit("mid-7")],
            "pasta::prod": [_rabbit()],
        },
    }
    assert mq.detect_rabbitmq(raw)
    assert not mq.detect_activemq(raw)
    spec = mq.RABBITMQ_SPEC
    event = msgspec.convert(raw, mq.RabbitMQEvent)
    items = spec.items(event)
    assert [spec.route_key(event, m) for m in items] == ["pizza", "pizza", "pasta"]
    assert [m.vhost for m in items] == ["/", "/", "prod"]
    assert [spec.item_id(m) for m in items] == ["pizza::/#0", "mid-7", "pasta::prod#0"]
    assert items[0].decoded_headers == {"h": "hi", "n": 10}
    assert items[0].data_bytes == b'{"n": 2}'


def test_split_queue_key() -> None:
    assert mq.split_queue_key("q::/") == ("q", "/")
    assert mq.split_queue_key("a::b::c") == ("a::b", "c")
    assert mq.split_queue_key("plain") == ("plain", "")


def test_message_without_id_fails_with_a_path() -> None:
    bad = _active()
    del bad["messageID"]
    raw = {"eventSource": "aws:mq", "messages": [_active(), bad]}
    with pytest.raises(msgspec.ValidationError, match=r"messageID.*\$\.messages\[1\]"):
        msgspec.convert(raw, mq.ActiveMQEvent)


def test_specs() -> None:
    assert mq.SPECS == (mq.ACTIVEMQ_SPEC, mq.RABBITMQ_SPEC)
    assert {s.kind for s in mq.SPECS} == {"mq"}
    assert {s.response for s in mq.SPECS} == {"all"}


@pytest.mark.parametrize("choice", ["fail", "drop"])
@pytest.mark.parametrize("engine", ["activemq", "rabbitmq"])
def test_data_that_is_not_base64_is_a_decode_error_or_dropped(
    engine: MqEngine, choice: Any
) -> None:
    app = App()
    seen: list[Any] = []

    @app.mq(on_decode_error=choice)
    def handle(data: dict[str, int]) -> None:
        seen.append(data)

    event = mq_event({"n": 1}, {"n": 2}, engine=engine)
    by_queue = event.get("rmqMessagesByQueue", {})
    messages = event["messages"] if engine == "activemq" else next(iter(by_queue.values()))
    messages[0]["data"] = "abc"
    if choice == "drop":
        _support.run_logged(app, event)
    else:
        with pytest.raises(BatchFailedError) as info:
            _support.run_logged(app, event)
        assert isinstance(info.value.__cause__, DecodeError)
        assert info.value.__cause__.path == "$.data"
    assert seen == [{"n": 2}]


@pytest.mark.parametrize("source", [[], {}, ["aws:mq"], None, 1])
def test_detection_of_a_malformed_event_source_says_no_without_raising(source: Any) -> None:
    assert not mq.detect({"eventSource": source, "messages": []})
