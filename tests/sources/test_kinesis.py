from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest

from lambent import App
from lambent.sources import kinesis
from lambent.sources._base import epoch_s
from lambent.testing import kinesis_event
from tests import corpus
from tests.sources import _support


def _record(data: bytes = b'{"n": 1}', key: str = "pk-1", seq: str = "4955") -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": key,
            "sequenceNumber": seq,
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": 1545084650.987,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000006:{seq}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
    }


@pytest.mark.parametrize("row", _support.owned_rows("kinesis"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert kinesis.detect(raw)
    event = msgspec.convert(raw, kinesis.KinesisStreamEvent)
    spec = kinesis.SPEC
    items = spec.items(event)
    assert len(items) == len(raw["Records"])
    assert event.is_tumbling_window == ("window" in raw)
    for wire, record in zip(raw["Records"], items, strict=True):
        data = wire["kinesis"]
        assert spec.item_id(record) == data["sequenceNumber"]
        assert spec.route_key(event, record) == wire["eventSourceARN"]
        assert spec.order_key is not None
        assert spec.order_key(record) == data["partitionKey"]
        assert record.kinesis.data == data["data"]  # still base64 in the Struct
        assert spec.payload is not None
        assert spec.payload(record) == base64.b64decode(data["data"]) == record.data
        assert record.arrived_at == epoch_s(data["approximateArrivalTimestamp"])
        assert record.shard_id == wire["eventID"].split(":")[0]
        assert msgspec.convert(wire, kinesis.KinesisRecord) == record


@pytest.mark.parametrize("row", _support.decline_rows("kinesis"))
def test_other_events_are_not_kinesis(row: corpus.Row | None) -> None:
    _support.assert_declines(kinesis.detect, row)


@pytest.mark.parametrize("row", _support.window_rows("kinesis"))
def test_tumbling_window_fields(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert kinesis.detect(raw)
    event = msgspec.convert(raw, kinesis.KinesisStreamEvent)
    assert event.window is not None
    assert event.window.end == raw["window"]["end"]
    assert event.window.end_at > event.window.start_at
    assert event.state == raw["state"]
    assert event.shard_id == raw["shardId"]
    assert event.event_source_arn == raw["eventSourceARN"]
    assert event.is_final_invoke_for_window is raw["isFinalInvokeForWindow"]
    assert event.is_window_terminated_early is raw["isWindowTerminatedEarly"]


def test_plain_event_is_not_a_window() -> None:
    event = msgspec.convert({"Records": [_record()]}, kinesis.KinesisStreamEvent)
    assert not event.is_tumbling_window
    assert event.state is None


def test_data_and_names() -> None:
    record = msgspec.convert(_record(b"\xff\x00"), kinesis.KinesisRecord)
    assert record.data == b"\xff\x00"
    assert record.stream_name == "clicks"
    assert record.arrived_at is not None
    assert record.arrived_at.microsecond == 987000
    integral = _record()
    integral["kinesis"]["approximateArrivalTimestamp"] = 1428537600
    assert msgspec.convert(integral, kinesis.KinesisRecord).arrived_at == epoch_s(1428537600)


def test_record_without_data_fails_with_a_path() -> None:
    bad = _record()
    del bad["kinesis"]["data"]
    with pytest.raises(msgspec.ValidationError, match=r"data.*\$\.Records\[1\]\.kinesis"):
        msgspec.convert({"Records": [_record(), bad]}, kinesis.KinesisStreamEvent)


def test_spec_shape() -> None:
    spec = kinesis.SPEC
    assert (spec,) == kinesis.SPECS
    assert (spec.kind, spec.response, spec.payload_format) == ("kinesis-stream", "batch", "json")


@pytest.mark.parametrize("choice", ["fail", "drop"])
def test_data_that_is_not_base64_is_that_records_decode_error(choice: Any) -> None:
    app = App()
    seen: list[Any] = []

    @app.kinesis(on_decode_error=choice)
    def handle(data: dict[str, int]) -> None:
        seen.append(data)

    event = kinesis_event({"n": 1}, {"n": 2}, partition_key=["a", "b"])
    event["Records"][0]["kinesis"]["data"] = "abc"
    bad = event["Records"][0]["kinesis"]["sequenceNumber"]
    out, failed, summary = _support.run_logged(app, event)
    assert seen == [{"n": 2}]
    if choice == "drop":
        assert out == {"batchItemFailures": []} and summary["dropped"] == 1
    else:
        assert out == {"batchItemFailures": [{"itemIdentifier": bad}]}
        assert failed[bad]["path"] == "$.kinesis.data"
        assert "DecodeError" in failed[bad]["error"] and "base64" in failed[bad]["error"]


def test_a_lone_surrogate_where_a_number_belongs_is_that_records_decode_error() -> None:
    app = App()
    seen: list[Any] = []

    @app.kinesis()
    def handle(data: dict[str, int]) -> None:
        seen.append(data)

    event = kinesis_event({"n": 1}, {"n": 2}, partition_key=["a", "b"])
    event["Records"][0]["kinesis"]["approximateArrivalTimestamp"] = "\ud800"
    ids = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    out, failed, summary = _support.run_logged(app, event)
    assert "DecodeError" in failed[ids[0]]["error"]
    # its partition key is unknown, so nothing after it runs (and all is reported)
    assert seen == [] and summary["skipped"] == 1
    assert out == {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}
