"""What the SQS, SNS and Amazon MQ factories (lambent.testing.events.messaging) put in their
events, beyond shape: encodings, ids, options."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from lambent import testing as t


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
