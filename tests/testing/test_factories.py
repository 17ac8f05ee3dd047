"""What the factories put in their events, beyond shape: encodings, ids, options."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from lambent import testing as t
from lambent.sources import detect
from tests.testing.cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_detection_names_the_factory_kind(case: Case) -> None:
    assert detect(case.build()) == case.kind


@pytest.mark.parametrize("kind", sorted(t.FACTORIES))
def test_default_events_are_json_and_reproducible(kind: str) -> None:
    first = t.sample_event(kind, seed=7, at=1_700_000_000)
    assert json.loads(json.dumps(first)) == first
    assert t.sample_event(kind, seed=7, at=1_700_000_000) == first
    assert detect(first) == kind


def test_ids_differ_without_a_seed() -> None:
    assert (
        t.sqs_event("a")["Records"][0]["messageId"] != t.sqs_event("a")["Records"][0]["messageId"]
    )


def test_sample_event_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="no event factory for 'nope'"):
        t.sample_event("nope")


def test_sqs_bodies_ids_and_timestamps() -> None:
    event = t.sqs_event({"a": 1}, "text", b"raw", queue="orders", at=1_700_000_000.5)
    records = event["Records"]
    assert [r["body"] for r in records] == ['{"a":1}', "text", "raw"]
    assert len({r["messageId"] for r in records}) == 3
    first = records[0]
    assert first["attributes"]["SentTimestamp"] == "1700000000500"
    assert first["md5OfBody"] == hashlib.md5(b'{"a":1}').hexdigest()
    assert first["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:orders"
    assert "MessageGroupId" not in first["attributes"]
    assert "md5OfMessageAttributes" not in first


def test_sqs_fifo() -> None:
    event = t.sqs_event("a", "b", "c", queue="jobs", fifo=True, group_id=["g1", "g2"])
    records = event["Records"]
    assert records[0]["eventSourceARN"].endswith(":jobs.fifo")
    assert [r["attributes"]["MessageGroupId"] for r in records] == ["g1", "g2", "g1"]
    numbers = [int(r["attributes"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    assert records[0]["attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"a").hexdigest()
    arn = "arn:aws:sqs:eu-west-1:111122223333:q.fifo"
    assert t.sqs_event("x", queue=arn)["Records"][0]["awsRegion"] == "eu-west-1"


def test_sqs_message_attributes_md5_matches_sqs() -> None:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    attrs: dict[str, Any] = {"kind": "order", "priority": 3, "blob": b"\x00\xff"}
    record = t.sqs_event("hi", attributes=attrs)["Records"][0]
    assert record["messageAttributes"]["priority"] == {
        "stringValue": "3", "stringListValues": [], "binaryListValues": [], "dataType": "Number",
    }  # fmt: skip
    wire = {
        "kind": {"DataType": "String", "StringValue": "order"},
        "priority": {"DataType": "Number", "StringValue": "3"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    }
    with moto.mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sent = sqs.send_message(QueueUrl=url, MessageBody="hi", MessageAttributes=wire)
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]


def test_sns_attributes_and_subject() -> None:
    event = t.sns_event({"x": 1}, topic="alerts", attributes={"s": "v", "n": 1.5, "l": ["a"]})
    sns = event["Records"][0]["Sns"]
    assert sns["Message"] == '{"x":1}'
    assert sns["Subject"] is None
    assert sns["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert sns["MessageAttributes"] == {
        "s": {"Type": "String", "Value": "v"},
        "n": {"Type": "Number", "Value": "1.5"},
        "l": {"Type": "String.Array", "Value": '["a"]'},
    }


def test_s3_keys_are_form_url_encoded() -> None:
    event = t.s3_event("photos/red flower.jpg", "a+b=c.txt", bucket="b", at=0)
    keys = [r["s3"]["object"]["key"] for r in event["Records"]]
    assert keys == ["photos/red+flower.jpg", "a%2Bb%3Dc.txt"]
    record = event["Records"][0]
    assert record["eventTime"] == "1970-01-01T00:00:00.000Z"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::b"
    removed = t.s3_event("k", event_name="s3:ObjectRemoved:Delete")["Records"][0]
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert set(removed["s3"]["object"]) == {"key", "sequencer"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, {"N": "1"}), (Decimal("1.50"), {"N": "1.50"}), (2.5, {"N": "2.5"}),
        ("s", {"S": "s"}), (b"\x00", {"B": "AA=="}), (True, {"BOOL": True}),
        (None, {"NULL": True}), ([1, "a"], {"L": [{"N": "1"}, {"S": "a"}]}),
        ({"k": False}, {"M": {"k": {"BOOL": False}}}), ({"b", "a"}, {"SS": ["a", "b"]}),
        (frozenset({2, 1}), {"NS": ["1", "2"]}), ({b"a"}, {"BS": ["YQ=="]}),
    ],
)  # fmt: skip
def test_attribute_values(value: Any, expected: dict[str, Any]) -> None:
    assert t.attribute_value(value) == expected


def test_attribute_value_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        t.attribute_value(set())
    with pytest.raises(TypeError):
        t.attribute_value({1, "a"})
    with pytest.raises(TypeError):
        t.attribute_value(object())


@pytest.mark.parametrize(
    ("view", "images"),
    [("KEYS_ONLY", set()), ("NEW_IMAGE", {"NewImage"}), ("OLD_IMAGE", {"OldImage"}),
     ("NEW_AND_OLD_IMAGES", {"NewImage", "OldImage"})],
)  # fmt: skip
def test_dynamodb_images_follow_the_view(view: Any, images: set[str]) -> None:
    change = t.Change.modify({"pk": "1", "v": 1}, {"pk": "1", "v": 2}, key="pk")
    record = t.dynamodb_event(change, view=view, table="T")["Records"][0]
    assert set(record["dynamodb"]) - {"ApproximateCreationDateTime", "Keys", "SequenceNumber",
                                      "SizeBytes", "StreamViewType"} == images  # fmt: skip
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "1"}}
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/T/")


def test_dynamodb_changes() -> None:
    event = t.dynamodb_event(
        t.Change.insert({"id": "1"}), t.Change.remove({"id": "1"}, ttl=True), at=1_700_000_000.9
    )
    insert, remove = event["Records"]
    assert (insert["eventName"], remove["eventName"]) == ("INSERT", "REMOVE")
    assert "OldImage" not in insert["dynamodb"]
    assert "NewImage" not in remove["dynamodb"]
    assert remove["userIdentity"]["principalId"] == "dynamodb.amazonaws.com"
    assert insert["dynamodb"]["ApproximateCreationDateTime"] == 1_700_000_000
    assert int(insert["dynamodb"]["SequenceNumber"]) < int(remove["dynamodb"]["SequenceNumber"])
    with pytest.raises(KeyError, match="pass key="):
        t.Change.insert({"pk": "1"})


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


def test_mq_engines() -> None:
    active = t.mq_event("a", b"\x01", queue="q")
    assert [m["messageType"] for m in active["messages"]] == [
        "jms/text-message",
        "jms/bytes-message",
    ]
    assert active["messages"][0]["destination"] == {"physicalName": "q"}
    rabbit = t.mq_event("a", engine="rabbitmq", queue="q", virtual_host="/v", properties={"h": "x"})
    (message,) = rabbit["rmqMessagesByQueue"]["q::/v"]
    assert message["basicProperties"]["headers"] == {"h": {"bytes": [120]}}
    assert base64.b64decode(message["data"]) == b"a"


def test_firehose() -> None:
    put = t.firehose_event("a", at=1)
    assert put["records"][0]["approximateArrivalTimestamp"] == 1000
    assert "sourceKinesisStreamArn" not in put
    assert "kinesisRecordMetadata" not in put["records"][0]
    kinesis = t.firehose_event("a", source_stream="s")
    assert kinesis["sourceKinesisStreamArn"].endswith(":stream/s")
    assert "kinesisRecordMetadata" in kinesis["records"][0]


def test_cloudwatch_logs_round_trip() -> None:
    data = t.decode_logs(t.cloudwatch_logs_event("one", "two", group="/g", at=2))
    assert data["logGroup"] == "/g"
    assert data["messageType"] == "DATA_MESSAGE"
    assert [(e["message"], e["timestamp"]) for e in data["logEvents"]] == [
        ("one", 2000),
        ("two", 2001),
    ]


def test_eventbridge_and_schedule() -> None:
    event = t.eventbridge_event({"id": 1}, source="shop", detail_type="Paid", at=0)
    assert (event["source"], event["detail-type"], event["detail"]) == ("shop", "Paid", {"id": 1})
    assert event["time"] == "1970-01-01T00:00:00Z"
    schedule = t.schedule_event("nightly")
    assert schedule["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/nightly"]
    assert (schedule["source"], schedule["detail-type"]) == ("aws.events", "Scheduled Event")


def test_ses() -> None:
    receipt = t.ses_event(verdict="FAIL", invocation_type="RequestResponse")["Records"][0]["ses"]
    assert receipt["receipt"]["dmarcPolicy"] == "reject"
    assert receipt["receipt"]["action"]["invocationType"] == "RequestResponse"
