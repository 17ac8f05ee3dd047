from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest

from lambent import App
from lambent.sources import firehose
from lambent.sources._base import epoch_ms
from lambent.testing import firehose_event
from tests import corpus
from tests.sources import _support

STREAM = "arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks"


def _event(**extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "invocationId": "inv",
        "deliveryStreamArn": STREAM,
        "region": "us-east-1",
        "records": [
            {
                "recordId": "r1",
                "approximateArrivalTimestamp": 1664029185290,
                "data": base64.b64encode(b'{"n": 1}').decode(),
            }
        ],
    }
    event.update(extra)
    return event


@pytest.mark.parametrize("row", _support.owned_rows("firehose"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert firehose.detect(raw)
    event = msgspec.convert(raw, firehose.FirehoseEvent)
    spec = firehose.SPEC
    items = spec.items(event)
    assert len(items) == len(raw["records"])
    for wire, record in zip(raw["records"], items, strict=True):
        assert spec.item_id(record) == wire["recordId"]
        assert spec.route_key(event, record) == raw.get("deliveryStreamArn", "")
        encoded = wire.get("data", wire.get("kafkaRecordValue"))
        assert spec.payload is not None
        assert spec.payload(record) == base64.b64decode(encoded)
        assert record.arrived_at == epoch_ms(wire["approximateArrivalTimestamp"])
        assert msgspec.convert(wire, firehose.FirehoseRecord) == record


@pytest.mark.parametrize("row", _support.decline_rows("firehose"))
def test_other_events_are_not_firehose(row: corpus.Row | None) -> None:
    _support.assert_declines(firehose.detect, row)


def test_kinesis_analytics_events_are_not_firehose() -> None:
    analytics = {
        "invocationId": "inv",
        "applicationArn": "arn:aws:kinesisanalytics:us-east-1:123456789012:application/app",
        "records": [{"recordId": "r1", "data": "SGk="}],
    }
    assert not firehose.detect(analytics)
    with_stream = {**analytics, "streamArn": STREAM, "deliveryStreamArn": STREAM}
    assert not firehose.detect(with_stream)


def test_records_only_envelope() -> None:
    raw = {"records": _event()["records"]}
    assert firehose.detect(raw)
    event = msgspec.convert(raw, firehose.FirehoseEvent)
    assert firehose.SPEC.route_key(event, event.records[0]) == ""
    assert not firehose.detect({"records": [{"recordId": "r", "data": "SGk="}]})
    assert not firehose.detect({"records": [{"data": "SGk="}], "deliveryStreamArn": STREAM})


def test_msk_source_uses_kafka_record_value() -> None:
    raw = _event(
        sourceMSKArn="arn:aws:kafka:us-east-1:123456789012:cluster/c/1",
        records=[
            {
                "recordId": "r1",
                "approximateArrivalTimestamp": 1716369573887,
                "mskRecordMetadata": {"offset": "0", "partitionId": "1"},
                "kafkaRecordValue": base64.b64encode(b"hello").decode(),
            }
        ],
    )
    event = msgspec.convert(raw, firehose.FirehoseEvent)
    (record,) = event.records
    assert record.data is None
    assert record.data_bytes == b"hello"
    assert record.msk_record_metadata is not None
    assert record.msk_record_metadata.offset == "0"
    assert event.source_msk_arn is not None
    assert event.delivery_stream_name == "clicks"


def test_record_without_id_fails_with_a_path() -> None:
    raw = _event()
    del raw["records"][0]["recordId"]
    with pytest.raises(msgspec.ValidationError, match=r"recordId.*\$\.records\[0\]"):
        msgspec.convert(raw, firehose.FirehoseEvent)


def test_spec_shape() -> None:
    spec = firehose.SPEC
    assert (spec,) == firehose.SPECS
    assert (spec.kind, spec.response, spec.payload_format) == ("firehose", "firehose", "json")


@pytest.mark.parametrize("choice", ["fail", "drop"])
def test_data_that_is_not_base64_is_processing_failed_or_dropped(choice: Any) -> None:
    app = App()

    @app.firehose(on_decode_error=choice)
    def handle(data: dict[str, int]) -> dict[str, int]:
        return data

    event = firehose_event({"n": 1}, {"n": 2})
    event["records"][0]["data"] = "abc"
    out, failed, _ = _support.run_logged(app, event)
    results = [r["result"] for r in out["records"]]
    assert results == ["Dropped" if choice == "drop" else "ProcessingFailed", "Ok"]
    if choice == "fail":
        [entry] = failed.values()
        assert entry["path"] == "$.data"


def test_a_result_that_cannot_be_encoded_fails_that_record_alone() -> None:
    app = App()

    @app.firehose()
    def transform(data: dict[str, int]) -> Any:
        return object() if data["n"] == 1 else data

    event = firehose_event({"n": 1}, {"n": 2})
    out, failed, _ = _support.run_logged(app, event)
    assert [r["result"] for r in out["records"]] == ["ProcessingFailed", "Ok"]
    [entry] = failed.values()
    assert "HandlerError" in entry["error"] and "transform" in entry["error"]
