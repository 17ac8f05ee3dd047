"""What the Kinesis, Kafka and Firehose factories (lambent.testing.events.streams) put in their
events, beyond shape: encodings, ids, options."""

from __future__ import annotations

import base64

from lambent import testing as t


def test_kinesis_records() -> None:
    event = t.kinesis_event("a", {"b": 2}, partition_key=["p1", "p2"], at=1_545_084_650.987)
    first, second = (r["kinesis"] for r in event["Records"])
    assert base64.b64decode(second["data"]) == b'{"b":2}'
    assert (first["partitionKey"], second["partitionKey"]) == ("p1", "p2")
    assert first["approximateArrivalTimestamp"] == 1_545_084_650.987
    assert int(first["sequenceNumber"]) < int(second["sequenceNumber"])
    assert event["Records"][0]["eventID"] == f"shardId-000000000000:{first['sequenceNumber']}"


def test_kafka_records() -> None:
    event = t.kafka_event("v1", "v2", topic="t", partition=3, key="k", headers={"h": "é"},
                          offset=10)  # fmt: skip
    records = event["records"]["t-3"]
    assert [r["offset"] for r in records] == [10, 11]
    assert base64.b64decode(records[0]["key"]) == b"k"
    assert base64.b64decode(records[1]["value"]) == b"v2"
    assert records[0]["headers"] == [{"h": [-61, -87]}]
    assert event["eventSource"] == "aws:kafka"
    assert event["eventSourceArn"].startswith("arn:aws:kafka:")
    managed = t.kafka_event("v", source="self-managed")
    assert managed["eventSource"] == "SelfManagedKafka"
    assert "eventSourceArn" not in managed
    assert "key" not in managed["records"]["orders-0"][0]


def test_firehose() -> None:
    put = t.firehose_event("a", at=1)
    assert put["records"][0]["approximateArrivalTimestamp"] == 1000
    assert "sourceKinesisStreamArn" not in put
    assert "kinesisRecordMetadata" not in put["records"][0]
    kinesis = t.firehose_event("a", source_stream="s")
    assert kinesis["sourceKinesisStreamArn"].endswith(":stream/s")
    assert "kinesisRecordMetadata" in kinesis["records"][0]


def test_a_kafka_value_of_none_is_a_tombstone_not_the_text_null() -> None:
    """``kafka_event(None)`` is the record a compacted topic's delete arrives as (no
    ``value``), so a handler's ``T | None`` is tested against the real thing: a
    ``str | None`` handler is given None, not the text ``"null"``."""
    event = t.kafka_event({"id": 1}, None, topic="t")
    first, tombstone = event["records"]["t-0"]
    assert base64.b64decode(first["value"]) == b'{"id":1}'
    assert "value" not in tombstone and tombstone["offset"] == 1

    from lambent import App

    app = App()
    seen: list[str | None] = []

    @app.kafka("t")
    def on_record(value: str | None) -> None:
        seen.append(value)

    assert app.handler(event, t.FakeContext()) == {"batchItemFailures": []}
    assert seen == ['{"id":1}', None]
