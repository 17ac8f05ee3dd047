from __future__ import annotations

import base64
import contextlib
import datetime
from typing import Any

import msgspec
import pytest
from structlog.testing import capture_logs

from lambent import App
from lambent._fast import general_path
from lambent.idempotency import MemoryStore
from lambent.sources import kafka
from lambent.sources._base import epoch_ms
from lambent.testing import FakeContext, kafka_event
from tests import corpus
from tests.sources import _support


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _record(
    topic: str = "orders", partition: int = 0, offset: int = 0, **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": 1595035749700,
        "timestampType": "CREATE_TIME",
        "key": _b64(b"k"),
        "value": _b64(b'{"n": 1}'),
        "headers": [],
    }
    record.update(extra)
    return record


def _event(*records: dict[str, Any], source: str = "aws:kafka") -> dict[str, Any]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        grouped.setdefault(f"{r['topic']}-{r['partition']}", []).append(r)
    return {"eventSource": source, "bootstrapServers": "b-1:9092,b-2:9092", "records": grouped}


@pytest.mark.parametrize("row", _support.owned_rows("kafka"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert kafka.detect(raw)
    event = msgspec.convert(raw, kafka.KafkaEvent)
    spec = kafka.SPEC
    items = spec.items(event)
    wires = [(key, r) for key, batch in raw["records"].items() for r in batch]
    assert len(items) == len(wires)
    assert spec.raw_items is not None
    assert list(spec.raw_items(raw)) == [r for _, r in wires]
    for (key, wire), record in zip(wires, items, strict=True):
        assert record.topic_partition == key
        assert spec.route_key(event, record) == wire["topic"]
        assert spec.order_key is not None
        assert spec.order_key(record) == (wire["topic"], wire["partition"])
        assert kafka.item_identifier(record) == {"partition": key, "offset": wire["offset"]}
        assert spec.item_id(record) == f"{key}:{wire['offset']}"
        assert spec.payload is not None
        assert spec.payload(record) == base64.b64decode(wire["value"])
        assert record.key_bytes == base64.b64decode(wire["key"])
        assert record.time == epoch_ms(wire["timestamp"])
        for entry, (name, value) in zip(wire["headers"], record.header_list, strict=True):
            ((wire_name, wire_bytes),) = entry.items()
            assert name == wire_name
            assert value == bytes(b % 256 for b in wire_bytes)
        assert msgspec.convert(wire, kafka.KafkaRecord) == record


@pytest.mark.parametrize("row", _support.decline_rows("kafka"))
def test_other_events_are_not_kafka(row: corpus.Row | None) -> None:
    _support.assert_declines(kafka.detect, row)


def test_headers_with_negative_bytes() -> None:
    record = msgspec.convert(
        _record(headers=[{"trace": [118, -36, 0, 127, -128]}, {"trace": [-1]}, {"x": []}]),
        kafka.KafkaRecord,
    )
    assert record.header_list == [("trace", b"v\xdc\x00\x7f\x80"), ("trace", b"\xff"), ("x", b"")]
    assert record.decoded_headers == {"trace": b"\xff", "x": b""}
    assert kafka.header_bytes([-128, -1, 0, 127]) == b"\x80\xff\x00\x7f"


def test_items_flatten_in_key_then_list_order() -> None:
    raw = _event(_record("a", 1, 5), _record("a", 1, 6), _record("b", 0, 9), _record("a", 0, 1))
    event = msgspec.convert(raw, kafka.KafkaEvent)
    items = kafka.SPEC.items(event)
    assert [kafka.SPEC.item_id(r) for r in items] == ["a-1:5", "a-1:6", "b-0:9", "a-0:1"]
    assert event.bootstrap_server_list == ["b-1:9092", "b-2:9092"]
    assert event.is_msk


def test_topic_with_dashes_keeps_the_records_key() -> None:
    record = msgspec.convert(_record("my-topic-v2", 3, 42), kafka.KafkaRecord)
    assert kafka.item_identifier(record) == {"partition": "my-topic-v2-3", "offset": 42}


def test_absent_key_and_null_value() -> None:
    wire = _record(value=None)
    del wire["key"], wire["headers"]
    record = msgspec.convert(wire, kafka.KafkaRecord)
    assert record.key_bytes is None
    assert record.value_bytes is None
    assert record.header_list == []
    assert kafka.SPEC.payload is not None
    assert kafka.SPEC.payload(record) is None


@pytest.mark.parametrize("source", ["aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"])
def test_event_sources(source: str) -> None:
    assert kafka.detect(_event(_record(), source=source))


def test_detect_needs_records_object() -> None:
    assert not kafka.detect({"eventSource": "aws:kafka", "records": []})
    assert not kafka.detect({"eventSource": "aws:kinesis", "records": {}})


def test_record_without_offset_fails_with_a_path() -> None:
    bad = _record()
    del bad["offset"]
    with pytest.raises(msgspec.ValidationError, match=r"offset.*\$\.records\[\.\.\.\]\[0\]"):
        msgspec.convert(_event(bad), kafka.KafkaEvent)


def test_spec_shape() -> None:
    spec = kafka.SPEC
    assert (spec,) == kafka.SPECS
    assert (spec.kind, spec.response, spec.payload_format) == ("kafka", "batch", "json")


@pytest.mark.parametrize("choice", ["fail", "drop"])
def test_a_value_that_is_not_base64_is_that_records_decode_error(choice: Any) -> None:
    app = App()
    seen: list[Any] = []

    @app.kafka("orders", on_decode_error=choice)
    def handle(value: dict[str, int]) -> None:
        seen.append(value)

    event = kafka_event({"n": 1}, topic="orders")
    event["records"]["orders-0"].append({**event["records"]["orders-0"][0], "offset": 1})
    event["records"]["orders-0"][0] = {**event["records"]["orders-0"][0], "value": "abc"}
    out, failed, summary = _support.run_logged(app, event)
    if choice == "drop":
        assert seen == [{"n": 1}]
        assert out == {"batchItemFailures": []} and summary["dropped"] == 1
    else:  # the partition stops at its first failure: both are reported
        assert seen == []
        assert out["batchItemFailures"][0] == {
            "itemIdentifier": {"partition": "orders-0", "offset": 0}
        }
        [entry] = failed.values()
        assert entry["path"] == "$.value" and "base64" in entry["error"]


@pytest.mark.parametrize("source", [[], {}, ["aws:kafka"], None, 1])
def test_detection_of_a_malformed_event_source_says_no_without_raising(source: Any) -> None:
    assert not kafka.detect({"eventSource": source, "records": {}})


class Order(msgspec.Struct):
    id: int


@pytest.mark.parametrize(
    ("annotation", "values", "fails"),
    [
        (bytes | None, [b"\x00\xffavro", b"null", None], False),
        (str | None, ["text", "null", None], False),
        (Order | None, [Order(1), None, None], False),  # JSON: "null" is None too
        (bytes, [b"\x00\xffavro", b"null"], True),  # a tombstone is no b"null"
        (str, ["text", "null"], True),
        (Order, [Order(1)], True),
    ],
)
@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
def test_a_tombstone_is_none_where_the_handler_takes_none_else_that_record_fails(
    annotation: Any, values: list[Any], fails: bool, general: bool
) -> None:
    """A compacted topic's tombstone (a record without ``value``) is ``None`` for a
    ``T | None`` payload, raw ``bytes``/``str`` ones included (they were given the text
    ``null``, and a real value failed as malformed JSON); without ``| None`` it fails
    that record alone, saying what to declare."""
    seen: list[Any] = []

    def on_record(value: Any) -> None:
        seen.append(value)

    on_record.__annotations__ = {"value": annotation}
    app = App()
    app.kafka("t")(on_record)
    first = b"\x00\xffavro" if annotation in (bytes, bytes | None) else b'{"id": 1}'
    if annotation in (str, str | None):
        first = b"text"
    event = kafka_event(first, b"null", b"gone", topic="t", seed=1)
    del event["records"]["t-0"][2]["value"]  # the tombstone
    with general_path() if general else contextlib.nullcontext():
        out = app.handler(event, FakeContext())
    if fails:  # for a Struct the JSON null fails first, and what follows it is reported
        offsets = [1, 2] if annotation is Order else [2]
        assert out == {
            "batchItemFailures": [
                {"itemIdentifier": {"partition": "t-0", "offset": n}} for n in offsets
            ]
        }
    else:
        assert out == {"batchItemFailures": []}
    assert seen == values


@pytest.mark.parametrize("annotation", [dict, Order, int, list[int]])
@pytest.mark.parametrize("path", ["fast", "general", "threaded", "idempotent"])
def test_a_tombstone_a_typed_payload_refuses_names_the_tombstone_and_what_to_declare(
    annotation: Any, path: str
) -> None:
    """Without ``| None`` a tombstone fails its record saying it has no value and what to
    declare, for a typed payload as for ``str``/``bytes`` — not msgspec's "got `null`",
    a text the record never held."""

    def on_record(value: Any) -> None:
        pass

    on_record.__annotations__ = {"value": annotation}
    app = App(idempotency=MemoryStore()) if path == "idempotent" else App()
    app.kafka("t", threaded=path == "threaded", idempotent=path == "idempotent")(on_record)
    event = kafka_event(b"gone", topic="t", seed=1)
    del event["records"]["t-0"][0]["value"]
    with general_path() if path == "general" else contextlib.nullcontext(), capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert out == {"batchItemFailures": [{"itemIdentifier": {"partition": "t-0", "offset": 0}}]}
    [failed] = [entry for entry in logs if entry["event"] == "record failed"]
    shown = annotation.__qualname__ if isinstance(annotation, type) else repr(annotation)
    assert failed["error"] == (
        "DecodeError: record 't-0:0': the record has no payload (a Kafka tombstone has no "
        f"value): declare `{shown} | None` to take it as None (at $)"
    )


def test_an_optional_date_takes_the_raw_text_and_a_tombstone() -> None:
    """``date | None`` (what a compacted topic asks for) reads ``2024-05-01`` as ``date``
    does (it failed the record as malformed JSON) and a tombstone as None."""
    app = App()
    seen: list[datetime.date | None] = []

    @app.kafka("t")
    def on_day(day: datetime.date | None) -> None:
        seen.append(day)

    event = kafka_event(b"2024-05-01", None, topic="t")
    assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert seen == [datetime.date(2024, 5, 1), None]
